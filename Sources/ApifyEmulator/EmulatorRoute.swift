import Foundation
import Hummingbird

/// An actor or a task, as the owner of runs.
enum RunOwner: Sendable, Equatable {
    case actor(String)
    case task(String)
}

/// How a path names a run: by ID, or through its actor or task, where the run may be `last`.
enum RunReference: Sendable, Equatable {
    case id(String)
    case actor(String, run: String)
    case task(String, run: String)
}

/// An endpoint of the emulated API with the values taken from its path.
///
/// Routing is a table of path patterns (``table``) rather than Hummingbird's router, because the API's rules do not
/// fit a router's: `/v2/acts/` and `/v2/actors/` are one endpoint, path segments are matched after percent-decoding
/// (`apify%2Fhello-world` is one segment), and a known path with the wrong method must answer 405 in the API's
/// envelope. New endpoints are new rows.
indirect enum EmulatorRoute: Sendable, Equatable {
    case requestLog
    case currentUser
    case getActor(actor: String)
    case startRun(actor: String)
    case listRuns(RunOwner?)
    case getTask(task: String)
    case startTaskRun(task: String)
    case runSync(RunOwner, datasetItems: Bool)
    case getRun(RunReference)
    case abortRun(RunReference)
    case resurrectRun(RunReference)
    case runRecord(RunReference, key: String)
    case runLog(RunReference)
    case runDatasetItems(RunReference)
    case runDataset(RunReference)
    case runKeyValueStore(RunReference)
    case storeRecord(store: String, key: String)
    case getStore(store: String)
    case getDataset(dataset: String)
    case datasetItems(dataset: String)
    case updateRun(RunReference)
    case deleteRun(RunReference)
    case rebootRun(RunReference)
    case metamorphRun(RunReference)
    case chargeRun(RunReference)
    case buildActor(actor: String)
    case listBuilds(actor: String?)
    case getBuild(build: String)
    case defaultBuild(actor: String)
    case buildLog(build: String)
    case deleteBuild(build: String)
    case abortBuild(build: String)
    case createWebhook
    case listWebhooks(RunOwner?)
    case getWebhook(webhook: String)
    case updateWebhook(webhook: String)
    case deleteWebhook(webhook: String)
    case testWebhook(webhook: String)
    case listDispatches(webhook: String?)
    case getDispatch(dispatch: String)
    /// A storage endpoint reached through a run's default storage (`{R}/dataset/items`, `{R}/request-queue/head`…):
    /// the inner route's storage ID is empty until ``bound(to:)`` puts the run's in.
    case viaRun(RunReference, EmulatorRoute)
    case accountLimits
    case updateAccountLimits
    case monthlyUsage
    case listStorages(StorageKind)
    case createStorage(StorageKind)
    case deleteStorage(StorageKind, id: String)
    case putRecord(store: String, key: String)
    case deleteRecord(store: String, key: String)
    case storeKeys(store: String)
    case pushItems(dataset: String)
    case datasetStatistics(dataset: String)
    case getQueue(queue: String)
    case addRequest(queue: String)
    case getRequest(queue: String, request: String)
    case queueHead(queue: String)

    /// The run that a path names, if it names one.
    var runReference: RunReference? {
        switch self {
        case .getRun(let reference), .abortRun(let reference), .resurrectRun(let reference),
            .runRecord(let reference, _), .runLog(let reference), .runDatasetItems(let reference),
            .runDataset(let reference), .runKeyValueStore(let reference), .updateRun(let reference),
            .deleteRun(let reference), .rebootRun(let reference), .metamorphRun(let reference),
            .chargeRun(let reference), .viaRun(let reference, _):
            reference
        default: nil
        }
    }

    /// A ``viaRun`` inner route with the run's default storage in place of the empty ID.
    func bound(to run: ActorRun) -> EmulatorRoute {
        switch self {
        case .pushItems: .pushItems(dataset: run.defaultDatasetId)
        case .datasetStatistics: .datasetStatistics(dataset: run.defaultDatasetId)
        case .deleteStorage(.dataset, _): .deleteStorage(.dataset, id: run.defaultDatasetId)
        case .deleteStorage(.keyValueStore, _): .deleteStorage(.keyValueStore, id: run.defaultKeyValueStoreId)
        case .deleteStorage(.requestQueue, _): .deleteStorage(.requestQueue, id: run.defaultRequestQueueId)
        case .storeKeys: .storeKeys(store: run.defaultKeyValueStoreId)
        case .putRecord(_, let key): .putRecord(store: run.defaultKeyValueStoreId, key: key)
        case .deleteRecord(_, let key): .deleteRecord(store: run.defaultKeyValueStoreId, key: key)
        case .getQueue: .getQueue(queue: run.defaultRequestQueueId)
        case .addRequest: .addRequest(queue: run.defaultRequestQueueId)
        case .getRequest(_, let request): .getRequest(queue: run.defaultRequestQueueId, request: request)
        case .queueHead: .queueHead(queue: run.defaultRequestQueueId)
        default: self
        }
    }

    /// What a method and path resolve to.
    enum Match: Sendable, Equatable {
        case route(EmulatorRoute)
        case methodNotAllowed(allowed: [HTTPRequest.Method])
        case notFound
    }

    /// One row of the table: a pattern like `/v2/:acts/:actor/runs`, where `:acts` matches `acts` or `actors` and
    /// other `:name` segments capture a value.
    private struct Row: Sendable {
        let methods: [HTTPRequest.Method]
        let pattern: [Substring]
        let make: @Sendable ([String: String]) -> EmulatorRoute

        init(
            _ methods: [HTTPRequest.Method], _ pattern: String,
            _ make: @escaping @Sendable ([String: String]) -> EmulatorRoute
        ) {
            self.methods = methods
            self.pattern = pattern.split(separator: "/")
            self.make = make
        }

        func captures(_ segments: [String]) -> [String: String]? {
            guard segments.count == pattern.count else { return nil }
            var values: [String: String] = [:]
            for (expected, actual) in zip(pattern, segments) {
                if expected == ":acts" {
                    guard actual == "acts" || actual == "actors" else { return nil }
                } else if expected.hasPrefix(":") {
                    guard !actual.isEmpty else { return nil }
                    values[String(expected.dropFirst())] = actual
                } else if expected != actual {
                    return nil
                }
            }
            return values
        }
    }

    private static let table: [Row] =
        [
            Row([.get], "/_emulator/requests") { _ in .requestLog },
            Row([.get], "/v2/users/me") { _ in .currentUser },
            Row([.get], "/v2/:acts/:actor") { .getActor(actor: $0["actor"]!) },
            Row([.post], "/v2/:acts/:actor/runs") { .startRun(actor: $0["actor"]!) },
            Row([.get], "/v2/:acts/:actor/runs") { .listRuns(.actor($0["actor"]!)) },
            Row([.get, .post], "/v2/:acts/:actor/run-sync") { .runSync(.actor($0["actor"]!), datasetItems: false) },
            Row([.get, .post], "/v2/:acts/:actor/run-sync-get-dataset-items") {
                .runSync(.actor($0["actor"]!), datasetItems: true)
            },
            Row([.get], "/v2/actor-tasks/:task") { .getTask(task: $0["task"]!) },
            Row([.post], "/v2/actor-tasks/:task/runs") { .startTaskRun(task: $0["task"]!) },
            Row([.get], "/v2/actor-tasks/:task/runs") { .listRuns(.task($0["task"]!)) },
            Row([.get, .post], "/v2/actor-tasks/:task/run-sync") { .runSync(.task($0["task"]!), datasetItems: false) },
            Row([.get, .post], "/v2/actor-tasks/:task/run-sync-get-dataset-items") {
                .runSync(.task($0["task"]!), datasetItems: true)
            },
            Row([.get], "/v2/actor-runs") { _ in .listRuns(nil) },
            Row([.get], "/v2/logs/:run") { .runLog(.id($0["run"]!)) },
            Row([.get, .head], "/v2/key-value-stores/:store/records/:key") {
                .storeRecord(store: $0["store"]!, key: $0["key"]!)
            },
            Row([.get], "/v2/key-value-stores/:store") { .getStore(store: $0["store"]!) },
            Row([.get], "/v2/datasets/:dataset") { .getDataset(dataset: $0["dataset"]!) },
            Row([.get, .head], "/v2/datasets/:dataset/items") { .datasetItems(dataset: $0["dataset"]!) },
            Row([.put], "/v2/actor-runs/:run") { .updateRun(.id($0["run"]!)) },
            Row([.delete], "/v2/actor-runs/:run") { .deleteRun(.id($0["run"]!)) },
            Row([.post], "/v2/actor-runs/:run/charge") { .chargeRun(.id($0["run"]!)) },
            Row([.post], "/v2/:acts/:actor/builds") { .buildActor(actor: $0["actor"]!) },
            Row([.get], "/v2/:acts/:actor/builds") { .listBuilds(actor: $0["actor"]!) },
            Row([.get], "/v2/:acts/:actor/builds/default") { .defaultBuild(actor: $0["actor"]!) },
            Row([.get], "/v2/:acts/:actor/builds/:build") { .getBuild(build: $0["build"]!) },
            Row([.get], "/v2/actor-builds") { _ in .listBuilds(actor: nil) },
            Row([.get], "/v2/actor-builds/:build") { .getBuild(build: $0["build"]!) },
            Row([.delete], "/v2/actor-builds/:build") { .deleteBuild(build: $0["build"]!) },
            Row([.post], "/v2/actor-builds/:build/abort") { .abortBuild(build: $0["build"]!) },
            Row([.post], "/v2/:acts/:actor/builds/:build/abort") { .abortBuild(build: $0["build"]!) },
            Row([.get], "/v2/actor-builds/:build/log") { .buildLog(build: $0["build"]!) },
            Row([.post], "/v2/webhooks") { _ in .createWebhook },
            Row([.get], "/v2/webhooks") { _ in .listWebhooks(nil) },
            Row([.get], "/v2/webhooks/:webhook") { .getWebhook(webhook: $0["webhook"]!) },
            Row([.put], "/v2/webhooks/:webhook") { .updateWebhook(webhook: $0["webhook"]!) },
            Row([.delete], "/v2/webhooks/:webhook") { .deleteWebhook(webhook: $0["webhook"]!) },
            Row([.post], "/v2/webhooks/:webhook/test") { .testWebhook(webhook: $0["webhook"]!) },
            Row([.get], "/v2/webhooks/:webhook/dispatches") { .listDispatches(webhook: $0["webhook"]!) },
            Row([.get], "/v2/webhook-dispatches") { _ in .listDispatches(webhook: nil) },
            Row([.get], "/v2/webhook-dispatches/:dispatch") { .getDispatch(dispatch: $0["dispatch"]!) },
            Row([.get], "/v2/:acts/:actor/webhooks") { .listWebhooks(.actor($0["actor"]!)) },
            Row([.get], "/v2/actor-tasks/:task/webhooks") { .listWebhooks(.task($0["task"]!)) },
            Row([.get], "/v2/users/me/limits") { _ in .accountLimits },
            Row([.put], "/v2/users/me/limits") { _ in .updateAccountLimits },
            Row([.get], "/v2/users/me/usage/monthly") { _ in .monthlyUsage },
            Row([.put, .post], "/v2/key-value-stores/:store/records/:key") {
                .putRecord(store: $0["store"]!, key: $0["key"]!)
            },
            Row([.delete], "/v2/key-value-stores/:store/records/:key") {
                .deleteRecord(store: $0["store"]!, key: $0["key"]!)
            },
            Row([.get], "/v2/key-value-stores/:store/keys") { .storeKeys(store: $0["store"]!) },
            Row([.post], "/v2/datasets/:dataset/items") { .pushItems(dataset: $0["dataset"]!) },
            Row([.get], "/v2/datasets/:dataset/statistics") { .datasetStatistics(dataset: $0["dataset"]!) },
            Row([.get], "/v2/request-queues/:queue") { .getQueue(queue: $0["queue"]!) },
            Row([.post], "/v2/request-queues/:queue/requests") { .addRequest(queue: $0["queue"]!) },
            Row([.get], "/v2/request-queues/:queue/requests/:request") {
                .getRequest(queue: $0["queue"]!, request: $0["request"]!)
            },
            Row([.get], "/v2/request-queues/:queue/head") { .queueHead(queue: $0["queue"]!) },
        ] + storageCollectionRows + runScopedRows

    /// `GET`/`POST /v2/{kind}` and `DELETE /v2/{kind}/{id}` for the three storage kinds.
    private static let storageCollectionRows: [Row] = StorageKind.allCases.flatMap { kind in
        [
            Row([.get], "/v2/\(kind.rawValue)") { _ in .listStorages(kind) },
            Row([.post], "/v2/\(kind.rawValue)") { _ in .createStorage(kind) },
            Row([.delete], "/v2/\(kind.rawValue)/:id") { .deleteStorage(kind, id: $0["id"]!) },
        ]
    }

    /// The run endpoints the API has: every one under `/v2/actor-runs/{run}` and under the actor's and the task's
    /// `/runs/last`; under an actor's `/runs/{run}` only the deprecated get, abort, resurrect and metamorph; no
    /// `resurrect` of a task's last run. Paths the spec lacks answer 404 `page-not-found`, as they would on the platform.
    private static let runScopedRows: [Row] = {
        let suffixes: [([HTTPRequest.Method], String, @Sendable (RunReference, [String: String]) -> EmulatorRoute)] = [
            ([.get], "", { reference, _ in .getRun(reference) }),
            ([.post], "/abort", { reference, _ in .abortRun(reference) }),
            ([.post], "/resurrect", { reference, _ in .resurrectRun(reference) }),
            ([.post], "/reboot", { reference, _ in .rebootRun(reference) }),
            ([.post], "/metamorph", { reference, _ in .metamorphRun(reference) }),
            ([.get, .head], "/key-value-store/records/:key", { .runRecord($0, key: $1["key"]!) }),
            ([.get], "/key-value-store", { reference, _ in .runKeyValueStore(reference) }),
            ([.get], "/log", { reference, _ in .runLog(reference) }),
            ([.get, .head], "/dataset/items", { reference, _ in .runDatasetItems(reference) }),
            ([.get], "/dataset", { reference, _ in .runDataset(reference) }),
            ([.delete], "/dataset", { reference, _ in .viaRun(reference, .deleteStorage(.dataset, id: "")) }),
            ([.post], "/dataset/items", { reference, _ in .viaRun(reference, .pushItems(dataset: "")) }),
            ([.get], "/dataset/statistics", { reference, _ in .viaRun(reference, .datasetStatistics(dataset: "")) }),
            ([.delete], "/key-value-store", { ref, _ in .viaRun(ref, .deleteStorage(.keyValueStore, id: "")) }),
            ([.get], "/key-value-store/keys", { reference, _ in .viaRun(reference, .storeKeys(store: "")) }),
            ([.put, .post], "/key-value-store/records/:key", { .viaRun($0, .putRecord(store: "", key: $1["key"]!)) }),
            ([.delete], "/key-value-store/records/:key", { .viaRun($0, .deleteRecord(store: "", key: $1["key"]!)) }),
            ([.get], "/request-queue", { reference, _ in .viaRun(reference, .getQueue(queue: "")) }),
            ([.delete], "/request-queue", { ref, _ in .viaRun(ref, .deleteStorage(.requestQueue, id: "")) }),
            ([.post], "/request-queue/requests", { reference, _ in .viaRun(reference, .addRequest(queue: "")) }),
            (
                [.get], "/request-queue/requests/:request",
                {
                    .viaRun($0, .getRequest(queue: "", request: $1["request"]!))
                }
            ),
            ([.get], "/request-queue/head", { reference, _ in .viaRun(reference, .queueHead(queue: "")) }),
        ]
        let actorRunSuffixes: Set<String> = ["", "/abort", "/resurrect", "/metamorph"]
        return suffixes.flatMap { methods, suffix, make in
            var rows = [
                Row(methods, "/v2/actor-runs/:run" + suffix) { make(.id($0["run"]!), $0) },
                Row(methods, "/v2/:acts/:actor/runs/last" + suffix) { make(.actor($0["actor"]!, run: "last"), $0) },
            ]
            if suffix != "/resurrect" {
                rows.append(
                    Row(methods, "/v2/actor-tasks/:task/runs/last" + suffix) {
                        make(.task($0["task"]!, run: "last"), $0)
                    })
            }
            if actorRunSuffixes.contains(suffix) {
                rows.append(
                    Row(methods, "/v2/:acts/:actor/runs/:run" + suffix) {
                        make(.actor($0["actor"]!, run: $0["run"]!), $0)
                    })
            }
            return rows
        }
    }()

    /// Resolves a raw (still percent-encoded) path. A trailing slash is ignored; an undecodable segment is 404.
    static func match(method: HTTPRequest.Method, path: String) -> Match {
        var rawSegments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if rawSegments.last == "" { rawSegments = rawSegments.dropLast() }
        var segments: [String] = []
        for raw in rawSegments {
            guard let decoded = raw.removingPercentEncoding else { return .notFound }
            segments.append(decoded)
        }
        var allowed: [HTTPRequest.Method] = []
        for row in table {
            guard let captures = row.captures(segments) else { continue }
            if row.methods.contains(method) {
                return .route(row.make(captures))
            }
            allowed.append(contentsOf: row.methods)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
