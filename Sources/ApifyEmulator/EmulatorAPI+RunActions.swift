import Foundation
import HTTPTypes
import Hummingbird

/// Update (status message, general access), delete, reboot, metamorph and charge a run.
extension EmulatorAPI {
    /// The general access values `PUT /v2/actor-runs/{id}` accepts.
    static let generalAccessValues: Set<String> = [
        "ANYONE_WITH_ID_CAN_READ", "ANYONE_WITH_NAME_CAN_READ", "FOLLOW_USER_SETTING", "RESTRICTED",
    ]

    func updateRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let runID = try await resolveRun(reference, request: request).id
        guard let body = try? JSONValue.parse(request.body), let members = body.objectMembers else {
            throw .invalidInput("The request body must be a JSON object.")
        }
        var statusMessage: String?
        var isTerminal: Bool?
        var generalAccess: String?
        for member in members {
            switch (member.key, member.value) {
            case ("runId", .string(let id)) where id == runID: break
            case ("runId", _):
                throw .invalidInput("The body's \"runId\" must be the run's ID, \(runID).")
            case ("statusMessage", .string(let text)): statusMessage = text
            case ("isStatusMessageTerminal", .bool(let flag)): isTerminal = flag
            case ("generalAccess", .string(let access)) where Self.generalAccessValues.contains(access):
                generalAccess = access
            default:
                throw .invalidInput(
                    "Invalid field \"\(member.key)\": a run takes statusMessage (a string), isStatusMessageTerminal "
                        + "(a boolean) and generalAccess (\(Self.generalAccessValues.sorted().joined(separator: ", ")))."
                )
            }
        }
        if isTerminal != nil, statusMessage == nil {
            throw APIError(
                status: .badRequest, type: "cannot-set-is-status-message-terminal",
                message: "isStatusMessageTerminal can only be set together with statusMessage.")
        }
        let run = try await state.setRunStatus(
            runID, statusMessage: statusMessage, isTerminal: isTerminal, generalAccess: generalAccess)
        return JSONResponse.data(run.json(now: Date(), includeUsage: true))
    }

    func deleteRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let runID = try await resolveRun(reference, request: request).id
        try await state.deleteRun(runID)
        return Response(status: .noContent)
    }

    func rebootRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let runID = try await resolveRun(reference, request: request).id
        let run = try await state.rebootRun(runID)
        return JSONResponse.data(run.json(now: Date(), includeUsage: true))
    }

    /// `targetActorId` (required) and `build`; the body, if any, is the new input with its content type.
    func metamorphRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        if request.isBodyTooLarge { throw .requestTooLarge }
        let runID = try await resolveRun(reference, request: request).id
        let query = RunQuery(request.query)
        guard let targetReference = query["targetActorId"] else {
            throw .invalidInput("Parameter \"targetActorId\" is required.")
        }
        guard let target = await state.actor(for: targetReference) else { throw .actorNotFound }
        let requestedBuild = query["build"] ?? "latest"
        guard let build = ResolvedBuild(actor: target, requested: requestedBuild) else {
            throw .unknownBuildTag(requestedBuild)
        }
        let input = try Self.actorInput(body: request.body, contentType: request.headers[.contentType])
        let run = try await state.metamorphRun(runID, into: target, build: build, input: input)
        return JSONResponse.data(run.json(now: Date(), includeUsage: true))
    }

    /// `{"eventName", "count"}` with an `idempotency-key` header: a retried charge with the same key counts once.
    /// 201 with an empty object.
    func chargeRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let runID = try await resolveRun(reference, request: request).id
        guard let body = try? JSONValue.parse(request.body), let members = body.objectMembers,
            case .string(let event)? = members.first(where: { $0.key == "eventName" })?.value, !event.isEmpty
        else {
            throw .invalidInput("The body must be a JSON object with \"eventName\" (a string) and \"count\".")
        }
        var count = 1
        switch members.first(where: { $0.key == "count" })?.value {
        case .int(let value)?:
            count = value
        case nil, .null?:
            break
        default:
            throw .invalidInput("\"count\" must be a whole number of events, 1 or more.")
        }
        guard count >= 1 else { throw .invalidInput("\"count\" must be a whole number of events, 1 or more.") }
        let key = request.headers[HTTPField.Name("idempotency-key")!]
        if let key, key.isEmpty || key.count > 256 {
            throw APIError(
                status: .badRequest, type: "invalid-idempotency-key",
                message: "The idempotency key must be 1 to 256 characters.")
        }
        try await state.chargeRun(runID, event: event, count: count, idempotencyKey: key)
        return JSONResponse.make(status: .created, body: .object([]))
    }
}
