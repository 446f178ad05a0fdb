/// A run's status. Unknown values are kept rather than rejected, so a new platform status does not break us.
public struct RunStatus: RawRepresentable, Sendable, Hashable, Decodable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public static let ready = RunStatus(rawValue: "READY")
    public static let running = RunStatus(rawValue: "RUNNING")
    public static let succeeded = RunStatus(rawValue: "SUCCEEDED")
    public static let failed = RunStatus(rawValue: "FAILED")
    public static let timingOut = RunStatus(rawValue: "TIMING-OUT")
    public static let timedOut = RunStatus(rawValue: "TIMED-OUT")
    public static let aborting = RunStatus(rawValue: "ABORTING")
    public static let aborted = RunStatus(rawValue: "ABORTED")

    /// Whether the run has ended: only these four statuses never change again (but by a resurrect).
    public var isTerminal: Bool { [.succeeded, .failed, .timedOut, .aborted].contains(self) }

    public var description: String { rawValue }
}

/// The run object of the API (`Run` in the OpenAPI spec): the fields this tool reads. Unknown fields are
/// ignored; fields the spec marks required but this tool can do without are optional here.
public struct Run: Sendable, Decodable, Equatable {
    public var id: String
    public var actId: String?
    public var actorTaskId: String?
    public var status: RunStatus
    public var statusMessage: String?
    public var startedAt: String?
    public var finishedAt: String?
    public var exitCode: Int?
    public var buildNumber: String?
    public var defaultKeyValueStoreId: String?
    public var defaultDatasetId: String?
    public var options: Options?
    public var stats: Stats?
    public var usageTotalUsd: Double?
    /// The run object exactly as the API sent it (`--json` prints it unchanged).
    public var json: [UInt8] = []

    private enum CodingKeys: String, CodingKey {
        case id, actId, actorTaskId, status, statusMessage, startedAt, finishedAt, exitCode, buildNumber
        case defaultKeyValueStoreId, defaultDatasetId, options, stats, usageTotalUsd
    }

    /// The options the run was started with, as the platform settled them.
    public struct Options: Sendable, Decodable, Equatable {
        public var build: String?
        public var timeoutSecs: Int?
        public var memoryMbytes: Int?
    }

    public struct Stats: Sendable, Decodable, Equatable {
        public var durationMillis: Int?
        public var runTimeSecs: Double?
    }

    public init(id: String, status: RunStatus, defaultKeyValueStoreId: String? = nil) {
        self.id = id
        self.status = status
        self.defaultKeyValueStoreId = defaultKeyValueStoreId
    }
}

/// The `{"data": …}` envelope of most API answers.
struct DataEnvelope<Value: Decodable>: Decodable {
    var data: Value
}

/// The `{"error": {"type", "message"}}` body of API errors.
struct ErrorEnvelope: Decodable {
    struct Detail: Decodable {
        var type: String?
        var message: String?
    }
    var error: Detail
}

/// A page of `GET …/runs`: the short run objects, of which only the ID and who started it matter here.
struct RunList: Decodable {
    struct Item: Decodable {
        struct Meta: Decodable {
            var userAgent: String?
        }
        var id: String
        var meta: Meta?
    }
    var items: [Item]
}
