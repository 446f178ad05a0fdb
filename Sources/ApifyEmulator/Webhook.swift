import Foundation

/// A webhook: made by `POST /v2/webhooks`, or ad hoc by a run start's `webhooks` parameter (then bound to that run).
struct Webhook: Sendable {
    static let eventTypes: Set<String> = [
        "ACTOR.BUILD.ABORTED", "ACTOR.BUILD.CREATED", "ACTOR.BUILD.FAILED", "ACTOR.BUILD.SUCCEEDED",
        "ACTOR.BUILD.TIMED_OUT", "ACTOR.RUN.ABORTED", "ACTOR.RUN.CREATED", "ACTOR.RUN.FAILED",
        "ACTOR.RUN.RESURRECTED", "ACTOR.RUN.SUCCEEDED", "ACTOR.RUN.TIMED_OUT", "TEST",
    ]

    /// The platform's default payload template.
    static let defaultPayloadTemplate = """
        {
            "userId": {{userId}},
            "createdAt": {{createdAt}},
            "eventType": {{eventType}},
            "eventData": {{eventData}},
            "resource": {{resource}}
        }
        """

    var id: String
    var createdAt: Date
    var modifiedAt: Date
    var isAdHoc: Bool
    var eventTypes: [String]
    var actorId: String?
    var actorTaskId: String?
    var actorRunId: String?
    var requestUrl: String
    var payloadTemplate: String?
    var headersTemplate: String?
    var description: String?
    var idempotencyKey: String?
    var ignoreSslErrors = false
    var doNotRetry = false
    var shouldInterpolateStrings = false
    var dispatchCount = 0
    var lastDispatch: (status: String, finishedAt: Date?)?

    /// Parses a webhook's JSON representation; ad-hoc ones need no `condition` (the run is theirs).
    init(json: JSONValue, isAdHoc: Bool, now: Date = Date()) throws(APIError) {
        guard let members = json.objectMembers else { throw .invalidInput("A webhook must be a JSON object.") }
        id = PlatformID.random()
        createdAt = now
        modifiedAt = now
        self.isAdHoc = isAdHoc
        eventTypes = []
        requestUrl = ""
        try apply(members, requiresAll: true)
        if !isAdHoc {
            guard members.contains(where: { $0.key == "condition" }),
                actorId != nil || actorTaskId != nil || actorRunId != nil
            else {
                throw .invalidInput("A webhook needs a \"condition\" with actorId, actorTaskId or actorRunId.")
            }
        }
    }

    /// Applies the fields present (all required ones when creating), validating each.
    mutating func apply(_ members: [JSONValue.Member], requiresAll: Bool) throws(APIError) {
        if requiresAll {
            for required in ["eventTypes", "requestUrl"] where !members.contains(where: { $0.key == required }) {
                throw .invalidInput("A webhook needs \"\(required)\".")
            }
        }
        for member in members {
            switch (member.key, member.value) {
            case ("eventTypes", .array(let types)):
                let names = types.compactMap { value -> String? in
                    if case .string(let name) = value, Self.eventTypes.contains(name) { return name }
                    return nil
                }
                guard !names.isEmpty, names.count == types.count else {
                    throw .invalidInput(
                        "\"eventTypes\" must be a non-empty array of: \(Self.eventTypes.sorted().joined(separator: ", "))."
                    )
                }
                eventTypes = names
            case ("requestUrl", .string(let url)):
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                    parsed.host != nil
                else {
                    throw .invalidInput("\"requestUrl\" must be an http or https URL, got \"\(url)\".")
                }
                requestUrl = url
            case ("condition", .object(let condition)):
                for entry in condition {
                    let value: String?
                    switch entry.value {
                    case .string(let text): value = text
                    case .null: value = nil
                    default: throw .invalidInput("\"condition.\(entry.key)\" must be a string.")
                    }
                    switch entry.key {
                    case "actorId": actorId = value
                    case "actorTaskId": actorTaskId = value
                    case "actorRunId": actorRunId = value
                    default: throw .invalidInput("Unknown condition \"\(entry.key)\".")
                    }
                }
            case ("payloadTemplate", .string(let text)): payloadTemplate = text
            case ("headersTemplate", .string(let text)):
                guard (try? JSONValue.parse(Array(text.utf8)))?.objectMembers != nil || text.contains("{{") else {
                    throw .invalidInput("\"headersTemplate\" must be a JSON object.")
                }
                headersTemplate = text
            case ("description", .string(let text)): description = text
            case ("idempotencyKey", .string(let text)): idempotencyKey = text
            case ("ignoreSslErrors", .bool(let flag)): ignoreSslErrors = flag
            case ("doNotRetry", .bool(let flag)): doNotRetry = flag
            case ("shouldInterpolateStrings", .bool(let flag)): shouldInterpolateStrings = flag
            case ("isAdHoc", .bool), ("isEnabled", .bool):
                break
            case (_, .null) where member.key != "eventTypes" && member.key != "requestUrl":
                break
            default:
                throw .invalidInput("Invalid webhook field \"\(member.key)\".")
            }
        }
    }

    /// Whether an event of a run concerns this webhook.
    func matches(eventType: String, run: ActorRun) -> Bool {
        eventTypes.contains(eventType) && (actorRunId == nil || actorRunId == run.id)
            && (actorId == nil || actorId == run.actorId) && (actorTaskId == nil || actorTaskId == run.actorTaskId)
    }

    /// Whether an event of a build concerns this webhook: an actor's webhook hears its builds.
    func matches(eventType: String, build: ActorBuild) -> Bool {
        eventTypes.contains(eventType) && actorRunId == nil && actorTaskId == nil
            && (actorId == nil || actorId == build.actorId)
    }

    var conditionJSON: JSONValue {
        var members: [JSONValue.Member] = []
        if let actorId { members.append(.init("actorId", .string(actorId))) }
        if let actorTaskId { members.append(.init("actorTaskId", .string(actorTaskId))) }
        if let actorRunId { members.append(.init("actorRunId", .string(actorRunId))) }
        return .object(members)
    }

    func json() -> JSONValue {
        .object([
            .init("id", .string(id)),
            .init("createdAt", .string(Timestamp.string(createdAt))),
            .init("modifiedAt", .string(Timestamp.string(modifiedAt))),
            .init("userId", .string(EmulatedUser.id)),
            .init("isAdHoc", .bool(isAdHoc)),
            .init("isApifyIntegration", false),
            .init("shouldInterpolateStrings", .bool(shouldInterpolateStrings)),
            .init("eventTypes", .array(eventTypes.map(JSONValue.string))),
            .init("condition", conditionJSON),
            .init("ignoreSslErrors", .bool(ignoreSslErrors)),
            .init("doNotRetry", .bool(doNotRetry)),
            .init("requestUrl", .string(requestUrl)),
            .init("payloadTemplate", .string(payloadTemplate ?? Self.defaultPayloadTemplate)),
            .init("headersTemplate", .string(orNull: headersTemplate)),
            .init("description", .string(orNull: description)),
            .init(
                "lastDispatch",
                lastDispatch.map {
                    .object([
                        .init("status", .string($0.status)),
                        .init("finishedAt", .string(orNull: $0.finishedAt.map(Timestamp.string))),
                    ])
                } ?? .null),
            .init("stats", .object([.init("totalDispatches", .int(dispatchCount))])),
        ])
    }
}

/// One event sent (or being sent) to a webhook's URL, with every attempt (`calls`).
struct WebhookDispatch: Sendable {
    /// One HTTP attempt.
    struct Call: Sendable {
        var startedAt: Date
        var finishedAt: Date?
        var errorMessage: String?
        var responseStatus: Int?
        var responseBody: String?
    }

    var id: String
    var webhookId: String
    var createdAt: Date
    /// ACTIVE while attempts remain, then SUCCEEDED or FAILED.
    var status: String
    var eventType: String
    var eventData: JSONValue
    var calls: [Call] = []

    func json(webhook: Webhook?) -> JSONValue {
        .object([
            .init("id", .string(id)),
            .init("userId", .string(EmulatedUser.id)),
            .init("webhookId", .string(webhookId)),
            .init("createdAt", .string(Timestamp.string(createdAt))),
            .init("status", .string(status)),
            .init("eventType", .string(eventType)),
            .init("eventData", eventData),
            .init(
                "webhook",
                webhook.map {
                    .object([
                        .init("actionType", "HTTP_REQUEST"),
                        .init("condition", $0.conditionJSON),
                        .init("requestUrl", .string($0.requestUrl)),
                        .init("isAdHoc", .bool($0.isAdHoc)),
                    ])
                } ?? .null),
            .init(
                "calls",
                .array(
                    calls.map { call in
                        .object([
                            .init("startedAt", .string(Timestamp.string(call.startedAt))),
                            .init("finishedAt", .string(orNull: call.finishedAt.map(Timestamp.string))),
                            .init("errorMessage", .string(orNull: call.errorMessage)),
                            .init("responseStatus", call.responseStatus.map(JSONValue.int) ?? .null),
                            .init("responseBody", .string(orNull: call.responseBody)),
                        ])
                    })),
        ])
    }
}
