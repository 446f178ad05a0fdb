import CurlHTTP

/// A failure talking to the Apify API, with the API's own `error.type` and message when it gave them.
public struct ApifyError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is: the CLI turns each kind into one exit code.
    public enum Kind: Sendable, Equatable {
        /// A value given by the user cannot be used (checked before any request).
        case invalidArgument
        /// 401, or a 403 that is about the token's permissions.
        case unauthorized
        /// 404, or an unknown build tag: the actor, task, run, build or record does not exist.
        case notFound
        /// The API refused the request's content (400, 413, 415).
        case rejected
        /// Not now rather than never: 402 limits, credit, or 429 after retries.
        case refusedForNow
        /// Network failures and 5xx answers that outlasted the retries.
        case unavailable
        /// An answer this client cannot understand.
        case unexpectedResponse
        /// The destination of a record could not take its bytes.
        case destinationFailed
        case cancelled
    }

    public var kind: Kind
    public var message: String
    /// The HTTP status, when the API answered.
    public var status: Int?
    /// The API's machine-readable `error.type`, e.g. `record-not-found`.
    public var type: String?
    /// Whether the request may have done its work although it failed: it reached the server and then the
    /// connection broke, timed out, or the server answered 5xx. For a start, a run may exist.
    public var mayHaveTakenEffect = false

    public init(kind: Kind, message: String, status: Int? = nil, type: String? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.type = type
    }

    public var description: String { message }

    /// The kind an API error answer belongs to.
    static func kind(status: Int, type: String?) -> Kind {
        switch status {
        case 401: return .unauthorized
        case 403: return type == "unknown-build-tag" ? .notFound : .unauthorized
        case 404: return .notFound
        case 402, 429: return .refusedForNow
        case 400, 413, 415: return .rejected
        case 500...599: return .unavailable
        default: return .unexpectedResponse
        }
    }

    init(transport error: HTTPError, doing action: String) {
        switch error.kind {
        case .cancelled:
            self.init(kind: .cancelled, message: "\(action): interrupted")
        case .sinkFailed:
            self.init(kind: .destinationFailed, message: "\(action): \(error.message)")
        case .tls where error.curlCode == 60 && error.message.contains("subject name"):
            self.init(
                kind: .unavailable,
                message: "\(action): the API's TLS certificate is for another host name; check --api-url"
                    + " (\(error.message))")
        case .tls where error.curlCode == 60:
            // CURLE_PEER_FAILED_VERIFICATION: most often a server signed by a CA of one's own (a proxy, an emulator).
            self.init(
                kind: .unavailable,
                message: "\(action): the API's TLS certificate is not trusted (\(error.message)); if your own CA"
                    + " signed it, pass that CA with --cacert FILE")
        case .tls where error.curlCode == 35:
            // CURLE_SSL_CONNECT_ERROR: no TLS handshake at all, often https:// to a port that speaks plain HTTP.
            self.init(
                kind: .unavailable,
                message: "\(action): the TLS handshake with the API failed; check that --api-url names an https"
                    + " server (\(error.message))")
        default:
            self.init(kind: .unavailable, message: "\(action): \(error.message)")
            mayHaveTakenEffect = error.requestMayHaveReachedServer
        }
    }
}
