import Foundation
import Hummingbird

/// The API's behaviour: turns a routed request into a response. Endpoint groups live in extensions
/// (`EmulatorAPI+Runs.swift`, `+Storage.swift`, `+Account.swift`).
struct EmulatorAPI: Sendable {
    let state: EmulatorState
    let requestLog: RequestLog
    let configuredToken: String?
    /// A valid token that may read but not change anything (a scoped token, on the platform): 403
    /// `insufficient-permissions` where it tries.
    let readOnlyToken: String?
    /// The host name in URLs the emulator hands out (`Location`), as clients reach it.
    let advertisedHost: String
    /// Set when the server stops, so that long record streams end promptly.
    let stopFlag: StopFlag

    /// How long the sync endpoints wait for the run (`EmulatorConfiguration.runSyncWaitSecs`).
    let runSyncWaitSecs: Double

    func respond(to route: EmulatorRoute, request: APIRequest) async throws(APIError) -> Response {
        switch route {
        case .requestLog:
            let requests = await requestLog.all
            return JSONResponse.make(status: .ok, body: .array(requests.map(\.json)))
        case .currentUser:
            return try currentUser(request)
        case .getActor(let actor):
            return try await getActor(actor, request: request)
        case .startRun(let actor):
            return try await startRun(actor, request: request)
        case .getTask(let task):
            return try await getTask(task, request: request)
        case .startTaskRun(let task):
            return try await startTaskRun(task, request: request)
        case .listRuns(let owner):
            return try await listRuns(owner, request: request)
        case .runSync(let owner, let datasetItems):
            return try await runSync(owner, datasetItems: datasetItems, request: request)
        case .getRun(let reference):
            return try await getRun(reference, request: request)
        case .abortRun(let reference):
            return try await abortRun(reference, request: request)
        case .resurrectRun(let reference):
            return try await resurrectRun(reference, request: request)
        case .runRecord(let reference, let key):
            try authorize(reference, request)
            let storeID = try await resolveRun(reference, request: request).defaultKeyValueStoreId
            return try await record(storeID: storeID, key: key, request: request)
        case .runKeyValueStore(let reference):
            try authorize(reference, request)
            return try await store(try await resolveRun(reference, request: request).defaultKeyValueStoreId)
        case .storeRecord(let store, let key):
            try authorizeStorage(store, request)
            return try await record(storeID: store, key: key, request: request)
        case .getStore(let store):
            try authorizeStorage(store, request)
            return try await self.store(store)
        case .runLog(let reference):
            try authorize(reference, request)
            return try await log(try await resolveRun(reference, request: request).id, request: request)
        case .runDatasetItems(let reference):
            try authorize(reference, request)
            let datasetID = try await resolveRun(reference, request: request).defaultDatasetId
            return try await datasetItems(datasetID, request: request)
        case .runDataset(let reference):
            try authorize(reference, request)
            return try await dataset(try await resolveRun(reference, request: request).defaultDatasetId)
        case .getDataset(let dataset):
            try authorizeStorage(dataset, request)
            return try await self.dataset(dataset)
        case .datasetItems(let dataset):
            try authorizeStorage(dataset, request)
            return try await datasetItems(dataset, request: request)
        }
    }

    /// The actor a request is about, for per-actor faults: the actor or task in the path, or the run's actor.
    func subjectActorID(of route: EmulatorRoute) async -> String? {
        switch route {
        case .getActor(let actor), .startRun(let actor), .listRuns(.actor(let actor)), .runSync(.actor(let actor), _):
            return await state.actor(for: actor)?.id
        case .getTask(let task), .startTaskRun(let task), .listRuns(.task(let task)), .runSync(.task(let task), _):
            return await taskActorID(task)
        default:
            switch route.runReference {
            case .id(let run): return await state.run(id: run)?.actorId
            case .actor(let actor, _): return await state.actor(for: actor)?.id
            case .task(let task, _): return await taskActorID(task)
            case nil: return nil
            }
        }
    }

    private func taskActorID(_ reference: String) async -> String? {
        guard let task = await state.task(for: reference) else { return nil }
        return await state.actor(for: task.actorReference)?.id
    }

    // MARK: Shared checks

    /// Rejects a token this emulator does not accept. Absent tokens pass: reads by ID need none.
    func authenticate(_ request: APIRequest) throws(APIError) {
        guard let token = request.token, token != readOnlyToken else { return }
        if let configuredToken, token != configuredToken {
            throw .tokenNotValid
        }
    }

    /// For endpoints that need the account: everything but reads by a hard-to-guess ID.
    func requireToken(_ request: APIRequest) throws(APIError) {
        guard request.token != nil else { throw .tokenNotProvided }
        try authenticate(request)
    }

    /// For endpoints that change something (start, run-sync, abort, resurrect): the read-only token answers 403.
    func requireWriteAccess(_ request: APIRequest) throws(APIError) {
        try requireToken(request)
        if let readOnlyToken, request.token == readOnlyToken {
            throw .insufficientPermissions
        }
    }

    /// A run by its ID is readable without a token (the ID is the secret, as the platform's docs say of Get run,
    /// logs and storages by ID); through an actor or a task (`runs/last` above all) it needs one.
    func authorize(_ reference: RunReference, _ request: APIRequest) throws(APIError) {
        if case .id = reference {
            try authenticate(request)
        } else {
            try requireToken(request)
        }
    }

    /// A storage by ID is readable without a token; by `username~name` it needs one.
    func authorizeStorage(_ reference: String, _ request: APIRequest) throws(APIError) {
        if reference.contains("~") || reference.contains("/") {
            try requireToken(request)
        } else {
            try authenticate(request)
        }
    }

    func existingRun(_ id: String) async throws(APIError) -> ActorRun {
        guard let run = await state.run(id: id) else { throw .runNotFound }
        return run
    }

    /// `http://HOST:PORT`, with IPv6 literals bracketed.
    func baseURL(host: String? = nil) async -> String {
        let host = host ?? advertisedHost
        let port = await state.port
        return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }
}
