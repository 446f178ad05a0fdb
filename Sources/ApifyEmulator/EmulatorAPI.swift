import Foundation
import Hummingbird

/// The API's behaviour: turns a routed request into a response. Endpoint groups live in extensions
/// (`EmulatorAPI+Runs.swift`, `+Storage.swift`, `+Account.swift`).
struct EmulatorAPI: Sendable {
    let state: EmulatorState
    let requestLog: RequestLog
    let configuredToken: String?
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
            try authenticate(request)
            let storeID = try await resolveRun(reference, request: request).defaultKeyValueStoreId
            return try await record(storeID: storeID, key: key, request: request)
        case .runKeyValueStore(let reference):
            try authenticate(request)
            return try await store(try await resolveRun(reference, request: request).defaultKeyValueStoreId)
        case .storeRecord(let store, let key):
            try authenticate(request)
            return try await record(storeID: store, key: key, request: request)
        case .getStore(let store):
            try authenticate(request)
            return try await self.store(store)
        case .runLog(let reference):
            try authenticate(request)
            return try await log(try await resolveRun(reference, request: request).id, request: request)
        case .runDatasetItems(let reference):
            try authenticate(request)
            let datasetID = try await resolveRun(reference, request: request).defaultDatasetId
            return try await datasetItems(datasetID, request: request)
        case .runDataset(let reference):
            try authenticate(request)
            return try await dataset(try await resolveRun(reference, request: request).defaultDatasetId)
        case .getDataset(let dataset):
            try authenticate(request)
            return try await self.dataset(dataset)
        case .datasetItems(let dataset):
            try authenticate(request)
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
        guard let token = request.token else { return }
        if let configuredToken, token != configuredToken {
            throw .tokenNotValid
        }
    }

    /// For endpoints that act on the account (starting runs, aborting, `users/me`).
    func requireToken(_ request: APIRequest) throws(APIError) {
        guard request.token != nil else { throw .tokenNotProvided }
        try authenticate(request)
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
