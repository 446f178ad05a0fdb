/// A run's status as the API spells it (`ActorJobStatus` in the spec; note the hyphen in `TIMED-OUT`).
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case ready = "READY"
    case running = "RUNNING"
    case succeeded = "SUCCEEDED"
    case failed = "FAILED"
    case timingOut = "TIMING-OUT"
    case timedOut = "TIMED-OUT"
    case aborting = "ABORTING"
    case aborted = "ABORTED"

    /// Terminal runs change no more, unless they are resurrected.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .timedOut, .aborted: true
        case .ready, .running, .timingOut, .aborting: false
        }
    }
}
