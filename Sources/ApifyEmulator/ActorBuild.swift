import Foundation

/// A build of an actor: the definition's tagged builds (SUCCEEDED from the start) and those made by
/// `POST /v2/actors/{actor}/builds`, which go READY → RUNNING → SUCCEEDED in about ``duration``.
struct ActorBuild: Sendable {
    var id: String
    var actorId: String
    var number: String
    /// The tag the build gets when it succeeds (`tag=`, default `latest`).
    var tag: String?
    var status: RunStatus
    var startedAt: Date
    var finishedAt: Date?
    var logLines: [String] = []
    var userAgent: String?

    /// Long enough to be waited on (`waitForFinish`), short enough for tests.
    static let duration = Duration.milliseconds(500)

    var durationMillis: Int {
        max(0, Int(((finishedAt ?? Date()).timeIntervalSince(startedAt) * 1000).rounded()))
    }

    /// The spec's `Build` object.
    func json() -> JSONValue {
        let durationMillis = durationMillis
        var meta: [JSONValue.Member] = [.init("origin", "API"), .init("clientIp", "127.0.0.1")]
        if let userAgent { meta.append(.init("userAgent", .string(userAgent))) }
        return .object([
            .init("id", .string(id)),
            .init("actId", .string(actorId)),
            .init("userId", .string(EmulatedUser.id)),
            .init("startedAt", .string(Timestamp.string(startedAt))),
            .init("finishedAt", .string(orNull: finishedAt.map(Timestamp.string))),
            .init("status", .string(status.rawValue)),
            .init("meta", .object(meta)),
            .init(
                "stats",
                .object([
                    .init("durationMillis", .int(durationMillis)),
                    .init("runTimeSecs", .double(Double(durationMillis) / 1000)),
                    .init("computeUnits", .double(0)),
                ])),
            .init(
                "options",
                .object([
                    .init("useCache", true), .init("betaPackages", false), .init("memoryMbytes", 4096),
                    .init("diskMbytes", 8192),
                ])),
            .init("usage", .object([.init("ACTOR_COMPUTE_UNITS", .double(0))])),
            .init("usageTotalUsd", .double(0)),
            .init("usageUsd", .object([.init("ACTOR_COMPUTE_UNITS", .double(0))])),
            .init("buildNumber", .string(number)),
        ])
    }

    /// The spec's `BuildShort`, the items of build lists.
    func shortJSON() -> JSONValue {
        .object([
            .init("id", .string(id)),
            .init("actId", .string(actorId)),
            .init("userId", .string(EmulatedUser.id)),
            .init("status", .string(status.rawValue)),
            .init("startedAt", .string(Timestamp.string(startedAt))),
            .init("finishedAt", .string(orNull: finishedAt.map(Timestamp.string))),
            .init("usageTotalUsd", .double(0)),
            .init("buildNumber", .string(number)),
            .init("buildNumberInt", .int(ActorDefinition.buildNumberInt(number))),
            .init("meta", .object([.init("origin", "API")])),
        ])
    }
}
