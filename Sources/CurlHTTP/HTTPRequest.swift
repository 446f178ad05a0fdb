/// One header field, kept as sent or received (names compare case-insensitively where it matters).
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Where a request body comes from.
public enum HTTPRequestBody: Sendable {
    case empty
    /// Bytes already in memory (JSON input is small: the API caps it at 9 MiB).
    case bytes([UInt8])
}

/// Per-request time limits. The connect and idle limits catch dead peers; the total limit bounds a request
/// whose server is expected to hold it (a long-poll), so it must be set above the server's hold.
public struct HTTPTimeouts: Sendable, Equatable {
    public var connect: Duration
    /// Give up when no byte moved in either direction for this long (libcurl's low-speed limit).
    public var idle: Duration?
    /// Give up when the whole exchange takes longer than this.
    public var total: Duration?

    public init(connect: Duration = .seconds(10), idle: Duration? = .seconds(60), total: Duration? = nil) {
        self.connect = connect
        self.idle = idle
        self.total = total
    }
}

/// An HTTP request as this layer knows it: nothing here is specific to any API.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: HTTPRequestBody
    public var timeouts: HTTPTimeouts
    /// Follow `Location` redirects (at most five). A custom `Authorization` header is never sent to a
    /// host other than the first one.
    public var followsRedirects: Bool
    /// Whether libcurl may send the request again on its own. libcurl silently re-sends a request whose
    /// kept-alive connection turns out dead after it went out, when it can rewind the body (always, for an empty
    /// one). That is harmless for a read and a second paid run for a start: a request that must go out at most
    /// once says `false`, and gets a fresh connection (nothing to find dead) and a body that cannot be rewound.
    public var isResendable: Bool

    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: HTTPRequestBody = .empty,
        timeouts: HTTPTimeouts = HTTPTimeouts(),
        followsRedirects: Bool = false,
        isResendable: Bool = true
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.followsRedirects = followsRedirects
        self.isResendable = isResendable
    }
}
