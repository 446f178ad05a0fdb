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
    /// `https` when the server speaks TLS (`EmulatorConfiguration.tls`).
    var scheme = "http"

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
            let storeID = try await existingStorage(.keyValueStore, store, request: request)
            return try await record(storeID: storeID, key: key, request: request)
        case .getStore(let store):
            return try await self.store(try await existingStorage(.keyValueStore, store, request: request))
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
            return try await self.dataset(try await existingStorage(.dataset, dataset, request: request))
        case .datasetItems(let dataset):
            let datasetID = try await existingStorage(.dataset, dataset, request: request)
            return try await datasetItems(datasetID, request: request)
        case .updateRun(let reference):
            return try await updateRun(reference, request: request)
        case .deleteRun(let reference):
            return try await deleteRun(reference, request: request)
        case .rebootRun(let reference):
            return try await rebootRun(reference, request: request)
        case .metamorphRun(let reference):
            return try await metamorphRun(reference, request: request)
        case .chargeRun(let reference):
            return try await chargeRun(reference, request: request)
        case .buildActor(let actor):
            return try await buildActor(actor, request: request)
        case .listBuilds(let actor):
            return try await listBuilds(actor, request: request)
        case .getBuild(let build):
            return try await getBuild(build, request: request)
        case .defaultBuild(let actor):
            return try await defaultBuild(actor, request: request)
        case .buildLog(let build):
            return try await buildLog(build, request: request)
        case .deleteBuild(let build):
            return try await deleteBuild(build, request: request)
        case .abortBuild(let build):
            return try await abortBuild(build, request: request)
        case .createWebhook:
            return try await createWebhook(request)
        case .listWebhooks(let owner):
            return try await listWebhooks(owner, request: request)
        case .getWebhook(let webhook):
            return try await getWebhook(webhook, request: request)
        case .updateWebhook(let webhook):
            return try await updateWebhook(webhook, request: request)
        case .deleteWebhook(let webhook):
            return try await deleteWebhook(webhook, request: request)
        case .testWebhook(let webhook):
            return try await testWebhook(webhook, request: request)
        case .listDispatches(let webhook):
            return try await listDispatches(webhook, request: request)
        case .getDispatch(let dispatch):
            return try await getDispatch(dispatch, request: request)
        case .viaRun(let reference, let inner):
            try authorize(reference, request)
            let run = try await resolveRun(reference, request: request)
            return try await respond(to: inner.bound(to: run), request: request)
        case .accountLimits:
            return try await accountLimits(request)
        case .updateAccountLimits:
            return try await updateAccountLimits(request)
        case .monthlyUsage:
            return try monthlyUsage(request)
        case .listStorages(let kind):
            return try await listStorages(kind, request: request)
        case .createStorage(let kind):
            return try await createStorage(kind, request: request)
        case .deleteStorage(let kind, let id):
            return try await deleteStorage(kind, id, request: request)
        case .putRecord(let store, let key):
            return try await putRecord(store, key: key, request: request)
        case .deleteRecord(let store, let key):
            return try await deleteRecord(store, key: key, request: request)
        case .storeKeys(let store):
            return try await listKeys(store, request: request)
        case .pushItems(let dataset):
            return try await pushItems(dataset, request: request)
        case .datasetStatistics(let dataset):
            return try await datasetStatistics(dataset, request: request)
        case .getQueue(let queue):
            return JSONResponse.data(
                try await queueJSON(try await existingStorage(.requestQueue, queue, request: request)))
        case .addRequest(let queue):
            return try await addRequest(queue, request: request)
        case .getRequest(let queue, let requestID):
            return try await getRequest(queue, requestID: requestID, request: request)
        case .queueHead(let queue):
            return try await queueHead(queue, request: request)
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

    /// `http://HOST:PORT` (or `https://`), with IPv6 literals bracketed.
    func baseURL(host: String? = nil) async -> String {
        let host = host ?? advertisedHost
        let port = await state.port
        return host.contains(":") ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)"
    }
}
