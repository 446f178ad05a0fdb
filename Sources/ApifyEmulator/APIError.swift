import Hummingbird

/// An error answer of the API: an HTTP status and the `{"error": {"type", "message"}}` envelope.
///
/// The `type` values are members of the spec's `ErrorType` enum; the choice between the sources' conflicting codes
/// follows `apify-api-notes.md` (e.g. 401 `user-or-token-not-found` for a bad token).
struct APIError: Error, Sendable, Equatable {
    var status: HTTPResponse.Status
    var type: String
    var message: String

    static let tokenNotProvided = APIError(
        status: .unauthorized, type: "token-not-provided", message: "Authentication token was not provided")
    static let tokenNotValid = APIError(
        status: .unauthorized, type: "user-or-token-not-found",
        message: "User was not found or authentication token is not valid")
    /// The spec's `Forbidden` example.
    static let insufficientPermissions = APIError(
        status: .forbidden, type: "insufficient-permissions",
        message: "You do not have permission to perform this action.")
    static let inputNotValidJSON = APIError(
        status: .badRequest, type: "run-input-body-not-valid-json", message: "The input body is not valid JSON.")
    static let actorNotFound = APIError(status: .notFound, type: "record-not-found", message: "Actor was not found")
    static let runNotFound = APIError(status: .notFound, type: "record-not-found", message: "Actor run was not found")
    static let recordNotFound = APIError(status: .notFound, type: "record-not-found", message: "Record was not found")
    static let storeNotFound = APIError(
        status: .notFound, type: "record-not-found", message: "Key-value store was not found")
    static let datasetNotFound = APIError(status: .notFound, type: "record-not-found", message: "Dataset was not found")
    static let pageNotFound = APIError(
        status: .notFound, type: "page-not-found",
        message: "We have bad news: there is no API endpoint at this URL. Did you specify it correctly?")
    static let requestTooLarge = APIError(
        status: .contentTooLarge, type: "request-too-large",
        message: "The POST payload is too large (limit: \(RequestLimits.maxInputBytes) bytes)")

    static func methodNotAllowed(allowed: [HTTPRequest.Method]) -> APIError {
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            status: .methodNotAllowed, type: "method-not-allowed",
            message: "This API endpoint can only be accessed using the following HTTP methods: \(names)")
    }

    /// A natural 429: the resource's per-second limit is used up. No `Retry-After`, as on the platform.
    static func rateLimitExceeded(_ limit: Int) -> APIError {
        APIError(
            status: .tooManyRequests, type: "rate-limit-exceeded",
            message: "You have exceeded the rate limit of \(limit) requests per second")
    }

    static func invalidInput(_ message: String) -> APIError {
        APIError(status: .badRequest, type: "invalid-input", message: message)
    }

    static func unknownBuildTag(_ tag: String) -> APIError {
        APIError(
            status: .forbidden, type: "unknown-build-tag",
            message: "Build with tag \"\(tag)\" was not found. Has the Actor been built already?")
    }

    /// The error envelope as a response. JSON with an explicit charset, like every JSON answer of the emulator.
    var response: Response {
        let body: JSONValue = .object([
            .init("error", .object([.init("type", .string(type)), .init("message", .string(message))]))
        ])
        return JSONResponse.make(status: status, body: body)
    }
}
