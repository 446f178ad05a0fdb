import Foundation
import Hummingbird

/// Build an actor, get a build (with the `waitForFinish` hold), the default build, build lists and the build log.
extension EmulatorAPI {
    /// `POST /v2/actors/{actor}/builds?version=0.0&tag=latest&waitForFinish=N`: 201 with `Location` and the build.
    func buildActor(_ actorReference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        guard let actor = await state.actor(for: actorReference) else { throw .actorNotFound }
        let query = RunQuery(request.query)
        let version = query["version"] ?? "0.0"
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ Int($0).map { (0...99).contains($0) } ?? false }) else {
            throw .invalidInput("Invalid value of \"version\" parameter: \"\(version)\" is not MAJOR.MINOR (e.g. 0.0).")
        }
        _ = try query.boolean("useCache")
        _ = try query.boolean("betaPackages")
        let wait = try query.waitForFinish()
        var build = await state.startBuild(
            of: actor, version: version, tag: query["tag"] ?? "latest", userAgent: request.headers[.userAgent])
        if wait > 0 {
            build = await state.waitForBuild(build.id, seconds: wait) ?? build
        }
        return JSONResponse.data(
            build.json(), status: .created,
            headers: [.location: "\(await baseURL())/v2/actor-builds/\(build.id)"])
    }

    func getBuild(_ buildID: String, request: APIRequest) async throws(APIError) -> Response {
        try authenticate(request)
        guard await state.build(id: buildID) != nil else { throw .buildNotFound }
        return try await heldBuild(buildID, request: request)
    }

    /// The build the actor's default tag (`latest`) points to.
    func defaultBuild(_ actorReference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        guard let actor = await state.actor(for: actorReference) else { throw .actorNotFound }
        guard let resolved = ResolvedBuild(actor: actor, requested: "latest"), await state.build(id: resolved.id) != nil
        else { throw .buildNotFound }
        return try await heldBuild(resolved.id, request: request)
    }

    private func heldBuild(_ buildID: String, request: APIRequest) async throws(APIError) -> Response {
        let wait = try RunQuery(request.query).waitForFinish()
        let build = wait > 0 ? await state.waitForBuild(buildID, seconds: wait) : await state.build(id: buildID)
        guard let build else { throw .buildNotFound }
        return JSONResponse.data(build.json())
    }

    /// `GET /v2/actors/{actor}/builds` and `GET /v2/actor-builds`: `BuildShort`s, oldest first unless `desc`.
    func listBuilds(_ actorReference: String?, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        var actorID: String?
        if let actorReference {
            guard let actor = await state.actor(for: actorReference) else { throw .actorNotFound }
            actorID = actor.id
        }
        let query = RunQuery(request.query)
        let offset = max(0, try query.integer("offset") ?? 0)
        let limit = try query.listLimit()
        let desc = try query.boolean("desc") ?? false
        var builds = await state.builds(actorID: actorID)
        if desc { builds.reverse() }
        let page = builds.dropFirst(offset).prefix(limit)
        return JSONResponse.page(
            page.map { $0.shortJSON() }, total: builds.count, offset: offset, limit: limit, desc: desc)
    }

    func buildLog(_ buildID: String, request: APIRequest) async throws(APIError) -> Response {
        try authenticate(request)
        guard let build = await state.build(id: buildID) else { throw .buildNotFound }
        let text = build.logLines.map { $0 + "\n" }.joined()
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Aborts a READY or RUNNING build; a finished one is answered unchanged, as runs are.
    func abortBuild(_ buildID: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        guard let build = await state.abortBuild(buildID) else { throw .buildNotFound }
        return JSONResponse.data(build.json())
    }

    /// Deletes a finished build that no tag points to (`deleting-default-build` / `deleting-unfinished-build`).
    func deleteBuild(_ buildID: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        guard let build = await state.build(id: buildID) else { throw .buildNotFound }
        guard build.status.isTerminal else {
            throw APIError(
                status: .badRequest, type: "deleting-unfinished-build",
                message: "A build still going cannot be deleted.")
        }
        if let actor = await state.actor(id: build.actorId), actor.buildTags.values.contains(build.number) {
            throw APIError(
                status: .badRequest, type: "deleting-default-build",
                message: "Build \(build.number) is tagged; move its tag before deleting it.")
        }
        await state.deleteBuild(buildID)
        return Response(status: .noContent)
    }
}

extension APIError {
    static let buildNotFound = APIError(status: .notFound, type: "record-not-found", message: "Build was not found")
}
