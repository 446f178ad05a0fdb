import Foundation
import Hummingbird

/// Run Actor, Run task, Get run (with the `waitForFinish` hold), Abort and Resurrect.
extension EmulatorAPI {
    func startRun(_ actorReference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        if request.isBodyTooLarge { throw .requestTooLarge }
        guard let actor = await state.actor(for: actorReference) else { throw .actorNotFound }
        let input = try Self.actorInput(body: request.body, contentType: request.headers[.contentType])
        let run = try await launch(actor: actor, task: nil, input: input, request: request)
        return try await startedResponse(run, location: "/v2/actors/\(actor.id)/runs/\(run.id)", request: request)
    }

    /// Runs a task: the body, a JSON object, overrides the task's input field by field.
    func startTaskRun(_ taskReference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        if request.isBodyTooLarge { throw .requestTooLarge }
        let (task, actor) = try await existingTask(taskReference)
        let input = try Self.mergedInput(task: task, body: request.body)
        let run = try await launch(actor: actor, task: task, input: input, request: request)
        return try await startedResponse(run, location: "/v2/actor-tasks/\(task.id)/runs/\(run.id)", request: request)
    }

    /// Applies the query's run options over the task's and the actor's defaults, checks them, and starts the run.
    func launch(
        actor: ActorDefinition, task: TaskDefinition?, input: StoredRecord?, request: APIRequest
    ) async throws(APIError) -> ActorRun {
        let query = RunQuery(request.query)
        let requestedBuild = query["build"] ?? task?.options?.build ?? "latest"
        guard let build = ResolvedBuild(actor: actor, requested: requestedBuild) else {
            throw .unknownBuildTag(requestedBuild)
        }
        let memory =
            try query.integer("memory") ?? task?.options?.memoryMbytes ?? actor.defaultMemoryMbytes
            ?? ActorDefinition.standardMemoryMbytes
        let timeout =
            try query.seconds("timeout").map { Int($0) } ?? task?.options?.timeoutSecs ?? actor.defaultTimeoutSecs
            ?? ActorDefinition.standardTimeoutSecs
        let options = ActorRun.Options(
            build: requestedBuild, timeoutSecs: timeout, memoryMbytes: try Self.validMemory(memory),
            maxItems: try query.maxItems(), maxTotalChargeUsd: try query.maxTotalChargeUsd(),
            restartOnError: try query.boolean("restartOnError") ?? false)
        let webhooks = try query.adHocWebhooks()
        _ = try query.waitForFinish()
        let launch = RunLaunch(
            build: build, options: options, input: input, userAgent: request.headers[.userAgent], taskID: task?.id,
            webhooks: webhooks, apiBaseURL: await baseURL())
        return try await state.startRun(of: actor, launch)
    }

    /// 201 with `Location` and the run, after the `waitForFinish` hold.
    private func startedResponse(_ started: ActorRun, location: String, request: APIRequest) async throws(APIError)
        -> Response
    {
        let wait = try RunQuery(request.query).waitForFinish()
        var run = started
        if wait > 0 {
            await state.waitUntilTerminal(runID: run.id, seconds: wait)
            run = await state.run(id: run.id) ?? run
        }
        return JSONResponse.data(
            run.json(now: Date(), includeUsage: true), status: .created,
            headers: [.location: "\(await baseURL())\(location)"])
    }

    func getRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> Response {
        try authorize(reference, request)
        let runID = try await resolveRun(reference, request: request).id
        let wait = try RunQuery(request.query).waitForFinish()
        if wait > 0 {
            await state.waitUntilTerminal(runID: runID, seconds: wait)
        }
        let run = try await existingRun(runID)
        return JSONResponse.data(run.json(now: Date(), includeUsage: request.token != nil))
    }

    /// Aborts a starting or running run: at once (ABORTED), or with `gracefully=true` through ABORTING for a
    /// moment. A finished run is returned unchanged with 200, as the platform does.
    func abortRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let gracefully = try RunQuery(request.query).boolean("gracefully") ?? false
        let runID = try await resolveRun(reference, request: request).id
        await state.abortRun(runID, gracefully: gracefully)
        let run = try await existingRun(runID)
        return JSONResponse.data(run.json(now: Date(), includeUsage: true))
    }

    /// Resurrects a finished run with optionally new `build`, `timeout`, `memory`, `maxItems`,
    /// `maxTotalChargeUsd` and `restartOnError` (each defaulting to the run's).
    func resurrectRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let run = try await resolveRun(reference, request: request)
        guard let actor = await state.actor(id: run.actorId) else { throw .actorNotFound }
        let query = RunQuery(request.query)
        let requestedBuild = query["build"] ?? run.buildNumber
        guard let build = ResolvedBuild(actor: actor, requested: requestedBuild) else {
            throw .unknownBuildTag(requestedBuild)
        }
        let options = ActorRun.Options(
            build: query["build"] ?? run.options.build,
            timeoutSecs: try query.seconds("timeout").map { Int($0) } ?? run.options.timeoutSecs,
            memoryMbytes: try Self.validMemory(try query.integer("memory") ?? run.options.memoryMbytes),
            maxItems: try query.maxItems() ?? run.options.maxItems,
            maxTotalChargeUsd: try query.maxTotalChargeUsd() ?? run.options.maxTotalChargeUsd,
            restartOnError: try query.boolean("restartOnError") ?? run.options.restartOnError)
        let resurrected = try await state.resurrectRun(run.id, build: build, options: options)
        return JSONResponse.data(resurrected.json(now: Date(), includeUsage: true))
    }

    /// The run a path names; `last` is the newest run of the actor or task, among those with `status` and `origin`
    /// if given.
    func resolveRun(_ reference: RunReference, request: APIRequest) async throws(APIError) -> ActorRun {
        let actorID: String?
        let taskID: String?
        let runReference: String
        switch reference {
        case .id(let id):
            return try await existingRun(id)
        case .actor(let actor, let run):
            guard let actor = await state.actor(for: actor) else { throw .actorNotFound }
            (actorID, taskID, runReference) = (actor.id, nil, run)
        case .task(let task, let run):
            let (task, _) = try await existingTask(task)
            (actorID, taskID, runReference) = (nil, task.id, run)
        }
        if runReference == "last" {
            let query = RunQuery(request.query)
            let status = try query.status()
            let origin = try query.origin()
            guard let run = await state.lastRun(actorID: actorID, taskID: taskID, status: status, origin: origin) else {
                throw .runNotFound
            }
            return run
        }
        guard let run = await state.run(id: runReference),
            actorID == nil || run.actorId == actorID, taskID == nil || run.actorTaskId == taskID
        else { throw .runNotFound }
        return run
    }

    func existingTask(_ reference: String) async throws(APIError) -> (TaskDefinition, ActorDefinition) {
        guard let task = await state.task(for: reference) else {
            throw APIError(status: .notFound, type: "record-not-found", message: "Actor task was not found")
        }
        guard let actor = await state.actor(for: task.actorReference) else { throw .actorNotFound }
        return (task, actor)
    }

    static func validMemory(_ memory: Int) throws(APIError) -> Int {
        guard MemorySize.isValid(memory) else {
            throw .invalidInput(
                "Invalid value of \"memory\" parameter: \(memory) MB. It must be a power of 2 between 128 and 32768.")
        }
        return memory
    }

    /// An actor's INPUT record: the body with its content type (none for an empty body). A body sent as JSON must
    /// parse, as on tasks: 400 `run-input-body-not-valid-json` rather than a run that fails on its input.
    static func actorInput(body: [UInt8], contentType: String?) throws(APIError) -> StoredRecord? {
        guard !body.isEmpty else { return nil }
        let contentType = contentType ?? "application/octet-stream"
        if Self.isJSON(contentType), (try? JSONValue.parse(body)) == nil {
            throw .inputNotValidJSON
        }
        return StoredRecord(contentType: contentType, body: .bytes(body))
    }

    /// `application/json`, or a `+json` type, whatever its parameters.
    static func isJSON(_ contentType: String) -> Bool {
        let media =
            contentType.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
            .lowercased() ?? ""
        return media == "application/json" || media.hasSuffix("+json")
    }

    /// The task's input with the body's fields laid over it, as a JSON INPUT record.
    static func mergedInput(task: TaskDefinition, body: [UInt8]) throws(APIError) -> StoredRecord {
        var members = task.input?.objectMembers ?? []
        if !body.isEmpty {
            guard let parsed = try? JSONValue.parse(body) else { throw .inputNotValidJSON }
            guard let overrides = parsed.objectMembers else {
                throw APIError(
                    status: .badRequest, type: "input-json-not-object",
                    message: "The input of a task run must be a JSON object.")
            }
            for member in overrides {
                if let index = members.firstIndex(where: { $0.key == member.key }) {
                    members[index].value = member.value
                } else {
                    members.append(member)
                }
            }
        }
        return StoredRecord(
            contentType: JSONResponse.contentType, body: .bytes(JSONValue.object(members).serializedBytes))
    }
}
