import Hummingbird

/// Builds JSON responses.
enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    static func make(status: HTTPResponse.Status, body: JSONValue, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.serializedBytes)))
    }

    /// `{"data": value}`, the envelope of most successful answers.
    static func data(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        make(status: status, body: .object([.init("data", value)]), headers: headers)
    }

    /// One page of a list in the API's envelope (`PaginationResponse`): the items, and where they sit in `total`.
    static func page(_ items: [JSONValue], total: Int, offset: Int, limit: Int, desc: Bool) -> Response {
        data(
            .object([
                .init("total", .int(total)),
                .init("offset", .int(offset)),
                .init("limit", .int(limit)),
                .init("desc", .bool(desc)),
                .init("count", .int(items.count)),
                .init("items", .array(items)),
            ]))
    }
}
