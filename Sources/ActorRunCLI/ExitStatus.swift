import ApifyClient

/// The process exit codes of the contract: the one table a script can branch on. Every code is chosen here.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    case runFailed = 1
    case runTimedOut = 2
    case runAborted = 3
    case waitLimitReached = 4
    case recordMissing = 5
    case usage = 64
    case badInput = 65
    case inputUnreadable = 66
    case notFound = 67
    case apiUnreachable = 69
    case internalError = 70
    case outputUnwritable = 73
    case refusedForNow = 75
    case badAnswer = 76
    case notAuthorized = 77
    case interrupted = 130

    /// What the code means, as `--help` and the README list it.
    var meaning: String {
        switch self {
        case .success: return "the run SUCCEEDED and its output was written (or --detach started it)"
        case .runFailed: return "the run FAILED"
        case .runTimedOut: return "the run TIMED-OUT"
        case .runAborted: return "the run was ABORTED"
        case .waitLimitReached: return "--wait passed while the run was still going (its ID is printed)"
        case .recordMissing: return "the run SUCCEEDED but the requested record is missing"
        case .usage: return "usage error: unknown flag or bad value"
        case .badInput: return "bad input data: invalid JSON, input too large, input refused by the API"
        case .inputUnreadable: return "an input file is missing or unreadable"
        case .notFound: return "not found: actor, run or build (HTTP 404, unknown build tag)"
        case .apiUnreachable: return "the API could not be reached or kept failing (network, 5xx)"
        case .internalError: return "internal error (a bug: please report it)"
        case .outputUnwritable: return "the output could not be written"
        case .refusedForNow: return "the platform refused for now: memory or run limits, credit, rate limit"
        case .badAnswer: return "the API answered something this tool cannot understand"
        case .notAuthorized: return "authentication or permission: no token, invalid token, HTTP 401/403"
        case .interrupted: return "interrupted (Ctrl-C or SIGTERM)"
        }
    }

    /// The exit status of a finished run that did not succeed.
    init(endedRun status: RunStatus) {
        switch status {
        case .failed: self = .runFailed
        case .timedOut: self = .runTimedOut
        case .aborted: self = .runAborted
        default: self = .badAnswer
        }
    }

    /// The exit status of an API failure.
    init(_ kind: ApifyError.Kind) {
        switch kind {
        case .invalidArgument: self = .usage
        case .unauthorized: self = .notAuthorized
        case .notFound: self = .notFound
        case .rejected: self = .badInput
        case .refusedForNow: self = .refusedForNow
        case .unavailable: self = .apiUnreachable
        case .unexpectedResponse: self = .badAnswer
        case .destinationFailed: self = .outputUnwritable
        case .cancelled: self = .interrupted
        }
    }

}

/// A failure of this invocation, with the line for stderr and the exit code.
struct CommandFailure: Error, Sendable {
    var status: ExitStatus
    var message: String
}
