/// A failed exchange: no usable response arrived. HTTP error statuses are responses, not `HTTPError`s.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in the terms a caller decides on (retry, report, give up).
    public enum Kind: Sendable, Equatable {
        case couldNotConnect
        case timedOut
        case cancelled
        case tooManyRedirects
        case unsupportedProtocol
        case tls
        /// The connection broke while sending or receiving, or the body was cut short.
        case connectionLost
        /// The sink refused the data (see `sinkError`).
        case sinkFailed
        case other
    }

    public var kind: Kind
    /// libcurl's own message (its error buffer), as curl users know it.
    public var message: String
    /// The libcurl result code, when libcurl reported the failure.
    public var curlCode: Int?
    /// Whether any byte of the request may have reached the server. `false` means it surely did not, so a
    /// non-idempotent request may be sent again without doing its work twice.
    public var requestMayHaveReachedServer: Bool
    /// The error a sink threw, for `.sinkFailed`.
    public var sinkError: (any Error & Sendable)?

    public init(
        kind: Kind,
        message: String,
        curlCode: Int? = nil,
        requestMayHaveReachedServer: Bool = true,
        sinkError: (any Error & Sendable)? = nil
    ) {
        self.kind = kind
        self.message = message
        self.curlCode = curlCode
        self.requestMayHaveReachedServer = requestMayHaveReachedServer
        self.sinkError = sinkError
    }

    public var description: String { message }
}
