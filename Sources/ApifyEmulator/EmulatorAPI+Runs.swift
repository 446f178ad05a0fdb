import Foundation
import Hummingbird

/// Run Actor, Get run (with the `waitForFinish` hold) and Abort run.
extension EmulatorAPI {
    func startRun(_ actorReference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        if request.isBodyTooLarge { throw .requestTooLarge }
        guard let actor = await state.actor(for: actorReference) else { throw .actorNotFound }
        let query = RunQuery(request.query)
        let requestedBuild = query["build"] ?? "latest"
        guard let build = ResolvedBuild(actor: actor, requested: requestedBuild) else {
            throw .unknownBuildTag(requestedBuild)
        }
        let memory = try query.integer("memory") ?? actor.defaultMemoryMbytes ?? ActorDefinition.standardMemoryMbytes
        guard MemorySize.isValid(memory) else {
            throw .invalidInput(
                "Invalid value of \"memory\" parameter: \(memory) MB. It must be a power of 2 between 128 and 32768.")
        }
        let options = ActorRun.Options(
            build: requestedBuild,
            timeoutSecs: try query.seconds("timeout").map { Int($0) } ?? actor.defaultTimeoutSecs
                ?? ActorDefinition.standardTimeoutSecs,
            memoryMbytes: memory,
            maxItems: try query.maxItems(),
            maxTotalChargeUsd: try query.maxTotalChargeUsd(),
            restartOnError: try query.boolean("restartOnError") ?? false
        )
        try query.validateWebhooks()
        let wait = try query.waitForFinish()
        let input =
            request.body.isEmpty
            ? nil
            : StoredRecord(
                contentType: request.headers[.contentType] ?? "application/octet-stream", body: .bytes(request.body))
        var run = await state.startRun(
            of: actor, build: build, options: options, input: input, userAgent: request.headers[.userAgent])
        if wait > 0 {
            await state.waitUntilTerminal(runID: run.id, seconds: wait)
            run = await state.run(id: run.id) ?? run
        }
        let location = "\(await baseURL())/v2/actors/\(actor.id)/runs/\(run.id)"
        return JSONResponse.data(
            run.json(now: Date(), includeUsage: true), status: .created, headers: [.location: location])
    }

    func getRun(_ runReference: String, actor actorReference: String?, request: APIRequest) async throws(APIError)
        -> Response
    {
        try authenticate(request)
        let runID = try await resolveRunID(runReference, actor: actorReference)
        let wait = try RunQuery(request.query).waitForFinish()
        if wait > 0 {
            await state.waitUntilTerminal(runID: runID, seconds: wait)
        }
        let run = try await existingRun(runID)
        return JSONResponse.data(run.json(now: Date(), includeUsage: request.token != nil))
    }

    /// Ends a running run at once (`gracefully` is accepted and treated the same in this version); a finished run
    /// is returned unchanged, as the platform does.
    func abortRun(_ runReference: String, actor actorReference: String?, request: APIRequest) async throws(APIError)
        -> Response
    {
        try requireToken(request)
        let runID = try await resolveRunID(runReference, actor: actorReference)
        await state.abortRun(runID)
        let run = try await existingRun(runID)
        return JSONResponse.data(run.json(now: Date(), includeUsage: true))
    }

    /// A run ID, from an ID or, on the deprecated actor-scoped paths, `last` (that actor's newest run).
    private func resolveRunID(_ runReference: String, actor actorReference: String?) async throws(APIError)
        -> String
    {
        guard let actorReference else { return runReference }
        guard let actor = await state.actor(for: actorReference) else { throw .actorNotFound }
        if runReference == "last" {
            guard let run = await state.lastRun(ofActor: actor.id) else { throw .runNotFound }
            return run.id
        }
        guard let run = await state.run(id: runReference), run.actorId == actor.id else { throw .runNotFound }
        return run.id
    }
}
