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
    ///
    /// A single `Range: bytes=…` is honoured as S3 does (206 with `Content-Range`, 416 past the end), so that a
    /// client can resume a cut download; generated records stream the range without producing the bytes before it.
    func record(storeID: String, key: String, request: APIRequest) async throws(APIError) -> Response {
        let record = try await state.record(storeID: storeID, key: key).get()
        if record.isRedirected, request.query["signature"] == nil {
            let encodedKey = key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? key
            let location =
                "\(await baseURL(host: "localhost"))/v2/key-value-stores/\(storeID)/records/\(encodedKey)"
                + "?signature=\(Self.recordSignature)"
            return Response(status: .found, headers: [.location: location, .contentLength: "0"])
        }
        var headers: HTTPFields = [.contentType: record.contentType, .acceptRanges: "bytes"]
        if let attachment = request.query["attachment"], attachment == "true" || attachment == "1" {
            headers[.contentDisposition] = "attachment; filename=\"\(key)\""
        }
        let stopFlag = self.stopFlag
        switch RecordRange(header: request.headers[.range], size: record.size) {
        case .whole:
            return Response(status: .ok, headers: headers, body: record.responseBody { stopFlag.isSet })
        case .partial(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(record.size)"
            return Response(
                status: .partialContent, headers: headers, body: record.responseBody(range: range) { stopFlag.isSet })
        case .unsatisfiable:
            let range = request.headers[.range] ?? ""
            var response = APIError(
                status: .rangeNotSatisfiable, type: "invalid-header",
                message: "Range \"\(range)\" is not satisfiable: the record has \(record.size) bytes."
            ).response
            response.headers[.contentRange] = "bytes */\(record.size)"
            response.headers[.acceptRanges] = "bytes"
            return response
        }
    }

    /// The log as text; with `stream=1` (or `true`) the answer is chunked and follows the log until the run ends.
    func log(_ runID: String, request: APIRequest) async throws(APIError) -> Response {
        guard let snapshot = await state.logLines(runID: runID, from: 0) else { throw .runNotFound }
        let query = RunQuery(request.query)
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if try query.boolean("download") == true {
            headers[.contentDisposition] = "attachment; filename=\"\(runID).log\""
        }
        guard try query.boolean("stream") == true, !snapshot.isTerminal else {
            let text = snapshot.lines.map { $0 + "\n" }.joined()
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        let state = self.state
        let stopFlag = self.stopFlag
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var index = 0
                while let (lines, isTerminal) = await state.logLines(runID: runID, from: index) {
                    if !lines.isEmpty {
                        try await writer.write(ByteBuffer(string: lines.map { $0 + "\n" }.joined()))
                        index += lines.count
                    }
                    if isTerminal || stopFlag.isSet || Task.isCancelled { break }
                    let seen = index
                    await state.waitUntil(runID: runID, deadline: .now + .seconds(1)) {
                        $0.logLines.count > seen || $0.status.isTerminal
                    }
                }
                try await writer.finish(nil)
            })
    }

    /// The `X-Apify-Pagination-Limit` the platform sends when the request has no `limit`.
    static let noLimit = 999_999_999_999

    /// Items in the requested format with the `X-Apify-Pagination-*` headers: `offset` and `limit` pick the rows
    /// (`desc` reverses their order first), then the item transformations apply, so `clean` may return fewer items
    /// than `limit` and `unwind` more. `X-Apify-Pagination-Count` is the number of rows scanned, as on the platform:
    /// a client that advances its offset by Count neither skips nor repeats a row.
    func datasetItems(_ datasetID: String, request: APIRequest) async throws(APIError) -> Response {
        guard let items = await state.datasetItems(datasetID: datasetID) else { throw .datasetNotFound }
        let query = RunQuery(request.query)
        let formatter = try Self.formatter(query)
        let offset = max(0, try query.integer("offset") ?? 0)
        let limit = try query.integer("limit").map { max(0, $0) }
        let desc = try query.boolean("desc") ?? false
        let ordered = desc ? Array(items.reversed()) : items
        let rows = ordered.dropFirst(offset).prefix(limit ?? Int.max)
        let page = formatter.filter(rows)
        var headers: HTTPFields = [
            .contentType: formatter.format.contentType,
            HTTPField.Name("X-Apify-Pagination-Offset")!: String(offset),
            HTTPField.Name("X-Apify-Pagination-Limit")!: String(limit ?? Self.noLimit),
            HTTPField.Name("X-Apify-Pagination-Count")!: String(rows.count),
            HTTPField.Name("X-Apify-Pagination-Total")!: String(items.count),
            HTTPField.Name("X-Apify-Pagination-Desc")!: String(desc),
        ]
        if try query.boolean("attachment") == true {
            headers[.contentDisposition] = "attachment; filename=\"items.\(formatter.format.rawValue)\""
        }
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: formatter.render(page))))
    }

    private static func formatter(_ query: RunQuery) throws(APIError) -> DatasetFormatter {
        var formatter = DatasetFormatter()
        let formatName = (query["format"] ?? "json").lowercased()
        guard let format = DatasetFormatter.Format(rawValue: formatName) else {
            throw .invalidInput(
                "Format \"\(formatName)\" is not supported; use json, jsonl, csv, html, xlsx, xml or rss.")
        }
        formatter.format = format
        if let view = query["view"] {
            // The emulator's datasets have no schema, so no view exists; the platform refuses an unknown view.
            throw APIError(
                status: .badRequest, type: "requested-dataset-view-does-not-exist",
                message: "View \"\(view)\" does not exist in the dataset schema (the emulator's datasets have none).")
        }
        let clean = try query.boolean("clean") ?? false
        formatter.skipHidden = try query.boolean("skipHidden") ?? clean
        formatter.skipEmpty = try query.boolean("skipEmpty") ?? clean
        formatter.skipFailedPages = try query.boolean("skipFailedPages") ?? false
        formatter.fields = Self.list(query["fields"])
        formatter.outputFields = Self.list(query["outputFields"])
        formatter.omit = Set(Self.list(query["omit"]) ?? [])
        formatter.unwind = Self.list(query["unwind"]) ?? []
        formatter.flatten = Self.list(query["flatten"]) ?? []
        if try query.boolean("simplified") == true {
            formatter.fields = ["url", "pageFunctionResult", "errorInfo"]
            formatter.unwind = ["pageFunctionResult"]
        }
        if let outputFields = formatter.outputFields {
            guard let fields = formatter.fields else {
                throw .invalidInput("Parameter \"outputFields\" requires the \"fields\" parameter.")
            }
            guard fields.count == outputFields.count else {
                throw .invalidInput(
                    "Parameter \"outputFields\" must name as many fields as \"fields\" (\(outputFields.count) given, "
                        + "\(fields.count) expected).")
            }
        }
        formatter.bom = try query.boolean("bom")
        formatter.delimiter = query["delimiter"] ?? ","
        formatter.skipHeaderRow = try query.boolean("skipHeaderRow") ?? false
        formatter.xmlRoot = query["xmlRoot"] ?? formatter.xmlRoot
        formatter.xmlRow = query["xmlRow"] ?? formatter.xmlRow
        formatter.feedTitle = query["feedTitle"] ?? formatter.feedTitle
        formatter.feedDescription = query["feedDescription"] ?? formatter.feedDescription
        return formatter
    }

    /// A comma-separated list without empty names; nil when the parameter is absent or empty.
    private static func list(_ text: String?) -> [String]? {
        let names = text?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names?.isEmpty == false ? names : nil
    }
}
