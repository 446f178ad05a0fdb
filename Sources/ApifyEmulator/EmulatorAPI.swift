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
        case .getRun(let run, let actor):
            return try await getRun(run, actor: actor, request: request)
        case .abortRun(let run, let actor):
            return try await abortRun(run, actor: actor, request: request)
        case .runRecord(let run, let key):
            try authenticate(request)
            let storeID = try await existingRun(run).defaultKeyValueStoreId
            return try await record(storeID: storeID, key: key, request: request)
        case .storeRecord(let store, let key):
            try authenticate(request)
            return try await record(storeID: store, key: key, request: request)
        case .runLog(let run):
            return try await log(run, request: request)
        case .runDatasetItems(let run):
            try authenticate(request)
            let datasetID = try await existingRun(run).defaultDatasetId
            return try await datasetItems(datasetID, request: request)
        case .datasetItems(let dataset):
            try authenticate(request)
            return try await datasetItems(dataset, request: request)
        }
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
