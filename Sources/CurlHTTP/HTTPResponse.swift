/// The status line and headers of the final response (after any redirects), known before the body.
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]

    public init(status: Int, headers: [HTTPHeader] = []) {
        self.status = status
        self.headers = headers
    }

    /// The first value of a header, by case-insensitive name.
    public func value(for name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// What a finished exchange reports besides its head.
public struct HTTPExchange: Sendable, Equatable {
    public var head: HTTPResponseHead
    /// Body bytes handed to the sink.
    public var bodyBytes: Int64
    /// New connections opened for this exchange: 0 when a kept-alive connection was reused.
    public var connectionsOpened: Int

    public init(head: HTTPResponseHead, bodyBytes: Int64, connectionsOpened: Int) {
        self.head = head
        self.bodyBytes = bodyBytes
        self.connectionsOpened = connectionsOpened
    }
}

/// Receives a response as it arrives: the head once, then the body in chunks.
///
/// A sink is called from the transfer's thread, one call at a time, never concurrently; it is handed over to
/// the transport for the duration of one `send` and must not be used elsewhere meanwhile. Throwing from either
/// method aborts the transfer, and `send` then fails with `HTTPError.Kind.sinkFailed` carrying that error.
public protocol HTTPBodySink: AnyObject, Sendable {
    func receive(head: HTTPResponseHead) throws
    func receive(_ chunk: UnsafeRawBufferPointer) throws
    /// Whether a call may block (a write to a terminal, a pipe or a disk). Such a sink is fed from a queue of
    /// its own, never from the thread that drives every transfer; a sink that only stores in memory says no.
    var mayBlock: Bool { get }
}

extension HTTPBodySink {
    public var mayBlock: Bool { false }
}

/// Collects a body in memory up to a cap, for small JSON answers: a larger body fails rather than grows.
public final class CollectingSink: HTTPBodySink, @unchecked Sendable {
    public let limit: Int
    public private(set) var bytes: [UInt8] = []
    public private(set) var head: HTTPResponseHead?

    public init(limit: Int) {
        self.limit = limit
    }

    public func receive(head: HTTPResponseHead) throws {
        self.head = head
    }

    public func receive(_ chunk: UnsafeRawBufferPointer) throws {
        guard bytes.count + chunk.count <= limit else {
            throw BodyTooLarge(limit: limit)
        }
        bytes.append(contentsOf: chunk)
    }

    /// Thrown when a collected body passes its cap.
    public struct BodyTooLarge: Error, Sendable, CustomStringConvertible {
        public var limit: Int
        public var description: String { "response body larger than \(limit) bytes" }
    }
}

/// A complete small response: head and collected body.
public struct HTTPResponse: Sendable, Equatable {
    public var head: HTTPResponseHead
    public var body: [UInt8]

    public init(head: HTTPResponseHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
}
