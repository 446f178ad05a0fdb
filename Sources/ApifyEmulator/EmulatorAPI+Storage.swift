import Foundation
import HTTPTypes
import Hummingbird

/// Key-value store records, dataset items and run logs: the raw (un-enveloped) answers.
extension EmulatorAPI {
    /// The signature the emulator puts on redirected record URLs; any `signature=` value is accepted.
    static let recordSignature = "emulator"

    /// The record's raw bytes with its stored content type; a redirected record answers 302 to a signed URL on
    /// `localhost`, a different host name than the API's `127.0.0.1`, as S3 is for the platform, so that a client
    /// that sends its `Authorization` header across hosts shows up in the request log.
    func record(storeID: String, key: String, request: APIRequest) async throws(APIError) -> Response {
        let record = try await state.record(storeID: storeID, key: key).get()
        if record.isRedirected, request.query["signature"] == nil {
            let encodedKey = key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? key
            let location =
                "\(await baseURL(host: "localhost"))/v2/key-value-stores/\(storeID)/records/\(encodedKey)"
                + "?signature=\(Self.recordSignature)"
            return Response(status: .found, headers: [.location: location, .contentLength: "0"])
        }
        var headers: HTTPFields = [.contentType: record.contentType]
        if let attachment = request.query["attachment"], attachment == "true" || attachment == "1" {
            headers[.contentDisposition] = "attachment; filename=\"\(key)\""
        }
        let stopFlag = self.stopFlag
        return Response(status: .ok, headers: headers, body: record.responseBody { stopFlag.isSet })
    }

    /// The whole log as text; `stream=1` (following the log until the run ends) comes with issue 3.
    func log(_ runID: String, request: APIRequest) async throws(APIError) -> Response {
        try authenticate(request)
        let run = try await existingRun(runID)
        let text = run.logLines.map { $0 + "\n" }.joined()
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Items as a JSON array with the `X-Apify-Pagination-*` headers; `offset`, `limit` and `desc` are honoured,
    /// other formats than JSON come with issue 3.
    func datasetItems(_ datasetID: String, request: APIRequest) async throws(APIError) -> Response {
        guard let items = await state.datasetItems(datasetID: datasetID) else { throw .datasetNotFound }
        let query = RunQuery(request.query)
        let format = query["format"] ?? "json"
        guard format == "json" else {
            throw .invalidInput("Format \"\(format)\" is not supported by the emulator yet; use format=json.")
        }
        let offset = max(0, try query.integer("offset") ?? 0)
        let limit = try query.integer("limit").map { max(0, $0) }
        let ordered = try query.boolean("desc") == true ? Array(items.reversed()) : items
        let page = Array(ordered.dropFirst(offset).prefix(limit ?? Int.max))
        let headers: HTTPFields = [
            HTTPField.Name("X-Apify-Pagination-Offset")!: String(offset),
            HTTPField.Name("X-Apify-Pagination-Limit")!: String(limit ?? items.count),
            HTTPField.Name("X-Apify-Pagination-Count")!: String(page.count),
            HTTPField.Name("X-Apify-Pagination-Total")!: String(items.count),
        ]
        return JSONResponse.make(status: .ok, body: .array(page), headers: headers)
    }
}
