/// The `finish` step: how a scripted run ends. JSON: `{"status": "FAILED", "exitCode": 1, "statusMessage": "..."}`.
///
/// `status` is `SUCCEEDED` (default), `FAILED`, `ABORTED` or `TIMED-OUT`. `exitCode` defaults to 0 for SUCCEEDED,
/// 1 for FAILED and none (`null`) for ABORTED and TIMED-OUT, as the platform reports them.
public struct FinishStep: Sendable, Codable, Equatable {
    public var status: RunStatus
    public var exitCode: Int?
    public var statusMessage: String?

    public init(status: RunStatus = .succeeded, exitCode: Int? = nil, statusMessage: String? = nil) {
        self.status = status
        self.exitCode = exitCode
        self.statusMessage = statusMessage
    }

    private enum CodingKeys: String, CodingKey {
        case status, exitCode, statusMessage
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decodeIfPresent(RunStatus.self, forKey: .status) ?? .succeeded
        guard status.isTerminal else {
            throw DecodingError.dataCorruptedError(
                forKey: .status, in: container,
                debugDescription: "finish status must be SUCCEEDED, FAILED, ABORTED or TIMED-OUT")
        }
        exitCode = try container.decodeIfPresent(Int.self, forKey: .exitCode)
        statusMessage = try container.decodeIfPresent(String.self, forKey: .statusMessage)
    }

    /// The exit code the run reports: the explicit one, else the platform's usual one for the status.
    var effectiveExitCode: Int? {
        if let exitCode { return exitCode }
        switch status {
        case .succeeded: return 0
        case .failed: return 1
        default: return nil
        }
    }
}
