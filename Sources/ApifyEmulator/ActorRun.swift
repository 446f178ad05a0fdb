import Foundation

/// The emulator's state of one run: what `GET /v2/actor-runs/{id}` reports, plus its log.
///
/// Kept as a plain value inside ``EmulatorState``; the JSON form is built on demand by ``json(now:includeUsage:)``
/// so that running runs report a growing duration.
struct ActorRun: Sendable {
    /// The options a run was started with, validated (`options` in the Run object).
    struct Options: Sendable {
        var build: String
        var timeoutSecs: Int
        var memoryMbytes: Int
        var maxItems: Int?
        var maxTotalChargeUsd: Double?
        var restartOnError: Bool
    }

    let id: String
    /// The actor running now: a metamorph changes it.
    var actorId: String
    let userId: String
    var buildId: String
    var buildNumber: String
    var options: Options
    /// The task the run was started through, if any.
    var actorTaskId: String?
    let origin: String
    let userAgent: String?
    let clientIp: String?
    let startedAt: Date
    let defaultKeyValueStoreId: String
    let defaultDatasetId: String
    let defaultRequestQueueId: String
    let inputBodyLen: Int?

    var status: RunStatus = .ready
    var statusMessage: String?
    var isStatusMessageTerminal: Bool?
    var finishedAt: Date?
    var exitCode: Int?
    var logLines: [String] = []
    /// How many times the run was resurrected (`stats.resurrectCount`).
    var resurrectCount = 0
    /// Bumped by every resurrect: a step of an earlier execution that ends late must not touch the new one.
    var generation = 0
    /// Running time of earlier executions (before a resurrect), which the reported duration includes; the time a
    /// run spent finished before it was resurrected is not counted, as on the platform.
    var earlierDurationMillis = 0
    /// When the current execution began: `startedAt`, or the moment of the last resurrect.
    var executionStartedAt: Date
    /// A forced abort ends the run at once; a graceful one passes through ABORTING for a moment.
    var abortsGracefully = false
    /// The actor set `statusMessage` itself (a step), so the end of the run keeps it instead of a default.
    var isStatusMessageFromActor = false
    /// `stats.rebootCount`.
    var rebootCount = 0
    /// `stats.restartCount`: restarts after a failure (`restartOnError`).
    var restartCount = 0
    /// The spec's `Metamorph` objects, oldest first.
    var metamorphs: [JSONValue] = []
    /// Charged events by name, in the order first charged (`chargedEventCounts`).
    var chargedEventCounts: [JSONValue.Member] = []
    /// Idempotency keys of charges already counted: a retried charge is not counted twice.
    var chargeIdempotencyKeys: Set<String> = []
    /// Set by `PUT /v2/actor-runs/{id}`.
    var generalAccess = "FOLLOW_USER_SETTING"
    /// The Actor output object, for an actor with one (see ``OutputObject``).
    var output: JSONValue?

    /// The duration `stats` reports: every execution, up to now for a run still going.
    func durationMillis(now: Date) -> Int {
        let end = finishedAt ?? now
        let current = max(0, Int((end.timeIntervalSince(executionStartedAt) * 1000).rounded()))
        return earlierDurationMillis + current
    }

    /// The spec's `RunShort`, the items of run lists.
    func shortJSON() -> JSONValue {
        .object([
            .init("id", .string(id)),
            .init("actId", .string(actorId)),
            .init("userId", .string(userId)),
            .init("actorTaskId", .string(orNull: actorTaskId)),
            .init("status", .string(status.rawValue)),
            .init("startedAt", .string(Timestamp.string(startedAt))),
            .init("finishedAt", .string(orNull: finishedAt.map(Timestamp.string))),
            .init("buildId", .string(buildId)),
            .init("buildNumber", .string(buildNumber)),
            .init("meta", metaJSON),
            .init("usageTotalUsd", .double(0)),
            .init("defaultKeyValueStoreId", .string(defaultKeyValueStoreId)),
            .init("defaultDatasetId", .string(defaultDatasetId)),
            .init("defaultRequestQueueId", .string(defaultRequestQueueId)),
        ])
    }

    private var metaJSON: JSONValue {
        .object([
            .init("origin", .string(origin)),
            .init("clientIp", .string(orNull: clientIp)),
            .init("userAgent", .string(orNull: userAgent)),
        ])
    }

    /// The Run object of the spec (`components/schemas/Run`), every required field present.
    ///
    /// `includeUsage` is false for requests without a token: the platform hides `usageUsd` and `usageTotalUsd`
    /// from them.
    func json(now: Date, includeUsage: Bool) -> JSONValue {
        let durationMillis = durationMillis(now: now)
        let runTimeSecs = Double(durationMillis) / 1000
        let computeUnits = Double(options.memoryMbytes) / 1024 * runTimeSecs / 3600
        var members: [JSONValue.Member] = [
            .init("id", .string(id)),
            .init("actId", .string(actorId)),
            .init("userId", .string(userId)),
            .init("actorTaskId", .string(orNull: actorTaskId)),
            .init("startedAt", .string(Timestamp.string(startedAt))),
            .init("finishedAt", .string(orNull: finishedAt.map(Timestamp.string))),
            .init("status", .string(status.rawValue)),
            .init("statusMessage", .string(orNull: statusMessage)),
            .init("isStatusMessageTerminal", isStatusMessageTerminal.map(JSONValue.bool) ?? .null),
            .init("meta", metaJSON),
            .init(
                "stats",
                .object([
                    .init("inputBodyLen", inputBodyLen.map(JSONValue.int) ?? .null),
                    .init("migrationCount", 0),
                    .init("rebootCount", .int(rebootCount)),
                    .init("restartCount", .int(restartCount)),
                    .init("resurrectCount", .int(resurrectCount)),
                    .init("memAvgBytes", .double(0)),
                    .init("memMaxBytes", 0),
                    .init("memCurrentBytes", 0),
                    .init("cpuAvgUsage", .double(0)),
                    .init("cpuMaxUsage", .double(0)),
                    .init("cpuCurrentUsage", .double(0)),
                    .init("netRxBytes", 0),
                    .init("netTxBytes", 0),
                    .init("durationMillis", .int(durationMillis)),
                    .init("runTimeSecs", .double(runTimeSecs)),
                    .init("metamorph", .int(metamorphs.count)),
                    .init("computeUnits", .double(computeUnits)),
                ])),
            .init("chargedEventCounts", .object(chargedEventCounts)),
            .init("options", optionsJSON),
            .init("buildId", .string(buildId)),
            .init("buildNumber", .string(buildNumber)),
            .init("exitCode", exitCode.map(JSONValue.int) ?? .null),
            .init("generalAccess", .string(generalAccess)),
            .init("defaultKeyValueStoreId", .string(defaultKeyValueStoreId)),
            .init("defaultDatasetId", .string(defaultDatasetId)),
            .init("defaultRequestQueueId", .string(defaultRequestQueueId)),
            .init(
                "storageIds",
                .object([
                    .init("datasets", .object([.init("default", .string(defaultDatasetId))])),
                    .init("keyValueStores", .object([.init("default", .string(defaultKeyValueStoreId))])),
                    .init("requestQueues", .object([.init("default", .string(defaultRequestQueueId))])),
                ])),
            .init("isContainerServerReady", .bool(status == .running)),
            .init("gitBranchName", .null),
            .init("usage", Self.usage(computeUnits: computeUnits)),
        ]
        if includeUsage {
            members.append(.init("usageTotalUsd", .double(0)))
            members.append(.init("usageUsd", Self.usage(computeUnits: 0)))
        }
        members.append(.init("metamorphs", .array(metamorphs)))
        members.append(.init("platformUsageBillingModel", "USER"))
        if let output { members.append(.init("output", output)) }
        return .object(members)
    }

    private var optionsJSON: JSONValue {
        var members: [JSONValue.Member] = [
            .init("build", .string(options.build)),
            .init("timeoutSecs", .int(options.timeoutSecs)),
            .init("memoryMbytes", .int(options.memoryMbytes)),
            .init("diskMbytes", .int(options.memoryMbytes * 2)),
        ]
        if let maxItems = options.maxItems {
            members.append(.init("maxItems", .int(maxItems)))
        }
        if let maxTotalChargeUsd = options.maxTotalChargeUsd {
            members.append(.init("maxTotalChargeUsd", .double(maxTotalChargeUsd)))
        }
        return .object(members)
    }

    /// The usage map (`RunUsage`/`RunUsageUsd`): nothing is used in the emulator except compute.
    private static func usage(computeUnits: Double) -> JSONValue {
        .object([
            .init("ACTOR_COMPUTE_UNITS", .double(computeUnits)),
            .init("DATASET_READS", 0),
            .init("DATASET_WRITES", 0),
            .init("KEY_VALUE_STORE_READS", 0),
            .init("KEY_VALUE_STORE_WRITES", 0),
            .init("KEY_VALUE_STORE_LISTS", 0),
            .init("REQUEST_QUEUE_READS", 0),
            .init("REQUEST_QUEUE_WRITES", 0),
            .init("DATA_TRANSFER_INTERNAL_GBYTES", .double(0)),
            .init("DATA_TRANSFER_EXTERNAL_GBYTES", .double(0)),
            .init("PROXY_RESIDENTIAL_TRANSFER_GBYTES", .double(0)),
            .init("PROXY_SERPS", 0),
        ])
    }
}
