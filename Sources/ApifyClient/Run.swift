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
///
/// Only the ID and the status are load-bearing. A cosmetic field of an unexpected shape (a float duration, a
/// string where a number belongs) reads as absent rather than failing a run that otherwise went well. The ID
/// must be letters and digits: it goes into URLs and onto the terminal.
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
    /// How the run was started (`DEVELOPMENT`, `API`, `SCHEDULER`, ...), as `meta.origin` says.
    public var origin: String?
    /// The run object exactly as the API sent it (`--json` prints it unchanged).
    public var json: [UInt8] = []

    /// How long the run took (or has taken so far, as of its last view): the platform's own figure, else the time
    /// from its start to its end, which is all that a runs list gives.
    public var durationMillis: Int64? {
        if let millis = stats?.durationMillis { return Int64(millis) }
        guard let started = startedAt.flatMap(millisecondsSince1970(timestamp:)),
            let finished = finishedAt.flatMap(millisecondsSince1970(timestamp:)), finished >= started
        else { return nil }
        return finished - started
    }

    /// The Actor output object (`output`, which the platform fills in from the actor's output schema), byte for
    /// byte as the API sent it; nil when the run has none.
    public var outputObject: ArraySlice<UInt8>? {
        guard let range = JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "output", in: json),
            json[range.lowerBound] == UInt8(ascii: "{")
        else { return nil }
        return json[range]
    }

    private enum CodingKeys: String, CodingKey {
        case id, actId, actorTaskId, status, statusMessage, startedAt, finishedAt, exitCode, buildNumber
        case defaultKeyValueStoreId, defaultDatasetId, options, stats, usageTotalUsd, meta
    }

    private struct Meta: Decodable {
        var origin: String?
    }

    /// The options the run was started with, as the platform settled them.
    public struct Options: Sendable, Decodable, Equatable {
        public var build: String?
        public var timeoutSecs: Int?
        public var memoryMbytes: Int?

        private enum CodingKeys: String, CodingKey {
            case build, timeoutSecs, memoryMbytes
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            build = container.lenientString(.build)
            timeoutSecs = container.lenientInt(.timeoutSecs)
            memoryMbytes = container.lenientInt(.memoryMbytes)
        }
    }

    public struct Stats: Sendable, Decodable, Equatable {
        public var durationMillis: Int?
        public var runTimeSecs: Double?

        private enum CodingKeys: String, CodingKey {
            case durationMillis, runTimeSecs
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            durationMillis = container.lenientInt(.durationMillis)
            runTimeSecs = try? container.decodeIfPresent(Double.self, forKey: .runTimeSecs)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        guard ServerText.isRunID(id) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: container, debugDescription: "a run ID is letters and digits")
        }
        status = try container.decode(RunStatus.self, forKey: .status)
        actId = container.lenientString(.actId)
        actorTaskId = container.lenientString(.actorTaskId)
        statusMessage = container.lenientString(.statusMessage)
        startedAt = container.lenientString(.startedAt)
        finishedAt = container.lenientString(.finishedAt)
        exitCode = container.lenientInt(.exitCode)
        buildNumber = container.lenientString(.buildNumber)
        defaultKeyValueStoreId = container.lenientString(.defaultKeyValueStoreId)
        defaultDatasetId = container.lenientString(.defaultDatasetId)
        options = try? container.decodeIfPresent(Options.self, forKey: .options)
        stats = try? container.decodeIfPresent(Stats.self, forKey: .stats)
        usageTotalUsd = try? container.decodeIfPresent(Double.self, forKey: .usageTotalUsd)
        origin = ((try? container.decodeIfPresent(Meta.self, forKey: .meta)) ?? nil)?.origin
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

/// A page of `GET …/runs`: the short run objects, and who started each.
struct RunList: Decodable {
    struct Item: Decodable {
        struct Meta: Decodable {
            var userAgent: String?
        }
        private enum CodingKeys: String, CodingKey {
            case meta
        }
        var run: Run?
        var meta: Meta?

        init(from decoder: any Decoder) throws {
            // One odd item must not hide the others: it reads as no run.
            run = try? Run(from: decoder)
            meta = try? decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Meta.self, forKey: .meta)
        }
    }
    var items: [Item]
}

extension KeyedDecodingContainer {
    /// A string field, or nil when it is absent or of another type.
    fileprivate func lenientString(_ key: Key) -> String? {
        (try? decodeIfPresent(String.self, forKey: key)) ?? nil
    }

    /// A whole number, also when sent as `1234.0` or `1234.5` (rounded down); nil when absent or not a number.
    fileprivate func lenientInt(_ key: Key) -> Int? {
        if let value = (try? decodeIfPresent(Int.self, forKey: key)) ?? nil { return value }
        guard let value = (try? decodeIfPresent(Double.self, forKey: key)) ?? nil, value.isFinite,
            value.magnitude < 1e15
        else { return nil }
        return Int(value.rounded(.down))
    }
}

/// The parts of `GET /v2/users/me/limits` that bound how many runs may go at once.
struct AccountLimits: Decodable {
    struct Limits: Decodable {
        var maxActorMemoryGbytes: Double?
        var maxConcurrentActorJobs: Int?
    }
    struct Current: Decodable {
        var actorMemoryGbytes: Double?
        var activeActorJobCount: Int?
    }
    var limits: Limits?
    var current: Current?
}

/// The part of a dataset object this tool reads.
struct DatasetInfo: Decodable {
    var itemCount: Int?
}

/// A page of a key-value store's keys.
struct KeyList: Decodable {
    struct Item: Decodable {
        var key: String
    }
    var items: [Item]
}
