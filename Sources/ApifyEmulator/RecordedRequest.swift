/// One HTTP request as the emulator received it, for tests and CI scripts to assert on what a client sent.
///
/// Also served as JSON at `GET /_emulator/requests`, with these field names.
public struct RecordedRequest: Sendable, Codable, Equatable {
    public var method: String
    /// The path as sent, still percent-encoded, without the query.
    public var path: String
    /// The raw query string (no `?`), nil when the URL had none.
    public var query: String?
    /// `[name, value]` pairs in the order received, names as the client spelled them.
    public var headers: [[String]]
    /// Bytes of body received (all of them, even past the input limit).
    public var bodyLength: Int
    /// The injected fault that hit this request (its rule as text), if any.
    public var fault: String?
    /// The connection it came on: 1 for the server's first, then counting up; requests multiplexed on one HTTP/2
    /// connection, or sent one after another on a kept-alive one, share the number.
    public var connection: Int
    /// `"1.1"` or `"2"`, as negotiated (HTTP/2 only over TLS, by ALPN).
    public var httpVersion: String

    public init(
        method: String, path: String, query: String?, headers: [[String]], bodyLength: Int, fault: String? = nil,
        connection: Int = 0, httpVersion: String = "1.1"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.bodyLength = bodyLength
        self.fault = fault
        self.connection = connection
        self.httpVersion = httpVersion
    }

    /// The value of the first header with this name, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.first?.lowercased() == name.lowercased() }.flatMap { $0.count > 1 ? $0[1] : nil }
    }

    var json: JSONValue {
        .object([
            .init("method", .string(method)),
            .init("path", .string(path)),
            .init("query", .string(orNull: query)),
            .init("headers", .array(headers.map { .array($0.map(JSONValue.string)) })),
            .init("bodyLength", .int(bodyLength)),
            .init("fault", .string(orNull: fault)),
            .init("connection", .int(connection)),
            .init("httpVersion", .string(httpVersion)),
        ])
    }
}
