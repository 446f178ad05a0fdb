import Synchronization

/// The platform's per-resource request limits: how many requests a second one resource (one actor, run, task,
/// dataset or store) takes before the API answers 429 `rate-limit-exceeded`.
public struct RateLimits: Sendable, Equatable {
    /// Every endpoint not listed below (the platform's default, 60).
    public var perResource: Int
    /// Key-value store record reads (200 on the platform).
    public var records: Int
    /// Run Actor and Run task, async and sync (400 on the platform).
    public var runStarts: Int

    public init(perResource: Int, records: Int, runStarts: Int) {
        self.perResource = perResource
        self.records = records
        self.runStarts = runStarts
    }

    /// The platform's defaults (`apify-api-notes.md` §2).
    public static let platform = RateLimits(perResource: 60, records: 200, runStarts: 400)

    /// One limit for every endpoint, to provoke 429 in tests.
    public static func uniform(_ limit: Int) -> RateLimits {
        RateLimits(perResource: limit, records: limit, runStarts: limit)
    }
}

/// Token buckets, one per resource and limit: a bucket holds up to `limit` requests and refills at `limit` a
/// second, so a steady `limit` requests a second pass and a burst above it gets 429 until the bucket refills.
///
/// Locked rather than an actor: the check sits on every request's path and must not add a hop.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
    }

    let limits: RateLimits
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Buckets idle long enough to be full again are dropped past this many, so a long CI session does not keep
    /// one per run forever.
    private static let pruneThreshold = 10_000

    init(limits: RateLimits) {
        self.limits = limits
    }

    /// Takes one request from the resource's bucket; false when it is empty (the request gets 429).
    func admit(resource: String, limit: Int, now: ContinuousClock.Instant = .now) -> Bool {
        let key = "\(limit) \(resource)"
        return buckets.withLock { buckets in
            if buckets.count > Self.pruneThreshold {
                buckets = buckets.filter { now - $0.value.refilledAt < .seconds(1) }
            }
            var bucket = buckets[key] ?? Bucket(tokens: Double(limit), refilledAt: now)
            let elapsed = now - bucket.refilledAt
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            bucket.tokens = min(Double(limit), bucket.tokens + seconds * Double(limit))
            bucket.refilledAt = now
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            buckets[key] = bucket
            return admitted
        }
    }
}

extension EmulatorRoute {
    /// The resource a request counts against and that resource's limit; nil for the emulator's own endpoints.
    func rateLimit(_ limits: RateLimits) -> (resource: String, limit: Int)? {
        switch self {
        case .requestLog:
            return nil
        case .startRun(let actor), .runSync(.actor(let actor), _):
            return ("actor \(actor.lowercased())", limits.runStarts)
        case .startTaskRun(let task), .runSync(.task(let task), _):
            return ("task \(task.lowercased())", limits.runStarts)
        case .storeRecord(let store, _), .putRecord(let store, _), .deleteRecord(let store, _):
            return ("store \(store)", limits.records)
        case .pushItems(let dataset):
            return ("dataset \(dataset)", limits.runStarts)
        case .addRequest(let queue), .getRequest(let queue, _):
            return ("queue \(queue)", limits.runStarts)
        case .getQueue(let queue), .queueHead(let queue):
            return ("queue \(queue)", limits.perResource)
        case .storeKeys(let store):
            return ("store \(store)", limits.perResource)
        case .datasetStatistics(let dataset):
            return ("dataset \(dataset)", limits.perResource)
        case .deleteStorage(let kind, let id):
            return ("\(kind.rawValue) \(id)", limits.perResource)
        case .buildActor(let actor), .listBuilds(.some(let actor)), .defaultBuild(let actor):
            return ("actor \(actor.lowercased())", limits.perResource)
        case .getBuild(let build), .buildLog(let build), .deleteBuild(let build), .abortBuild(let build):
            return ("build \(build)", limits.perResource)
        case .getWebhook(let webhook), .updateWebhook(let webhook), .deleteWebhook(let webhook),
            .testWebhook(let webhook), .listDispatches(.some(let webhook)):
            return ("webhook \(webhook)", limits.perResource)
        case .getDispatch(let dispatch):
            return ("dispatch \(dispatch)", limits.perResource)
        case .listWebhooks(.actor(let actor)):
            return ("actor \(actor.lowercased())", limits.perResource)
        case .listWebhooks(.task(let task)):
            return ("task \(task.lowercased())", limits.perResource)
        case .createWebhook, .listWebhooks(nil), .listDispatches(nil), .listBuilds(nil), .accountLimits,
            .updateAccountLimits, .monthlyUsage, .listStorages, .createStorage:
            return ("user", limits.perResource)
        case .runRecord(let reference, _):
            return (Self.resource(of: reference), limits.records)
        case .currentUser, .listRuns(nil):
            return ("user", limits.perResource)
        case .getActor(let actor), .listRuns(.actor(let actor)):
            return ("actor \(actor.lowercased())", limits.perResource)
        case .getTask(let task), .listRuns(.task(let task)):
            return ("task \(task.lowercased())", limits.perResource)
        case .getStore(let store):
            return ("store \(store)", limits.perResource)
        case .getDataset(let dataset), .datasetItems(let dataset):
            return ("dataset \(dataset)", limits.perResource)
        case .getRun(let reference), .abortRun(let reference), .resurrectRun(let reference),
            .runLog(let reference), .runDatasetItems(let reference), .runDataset(let reference),
            .runKeyValueStore(let reference), .updateRun(let reference), .deleteRun(let reference),
            .rebootRun(let reference), .chargeRun(let reference):
            return (Self.resource(of: reference), limits.perResource)
        case .viaRun(let reference, let inner):
            return (Self.resource(of: reference), inner.rateLimit(limits)?.limit ?? limits.perResource)
        case .metamorphRun(let reference):
            return (Self.resource(of: reference), limits.runStarts)
        }
    }

    /// A run by ID is its own resource; `runs/last` counts against the actor or task.
    private static func resource(of reference: RunReference) -> String {
        switch reference {
        case .id(let run): "run \(run)"
        case .actor(let actor, let run): run == "last" ? "actor \(actor.lowercased())" : "run \(run)"
        case .task(let task, let run): run == "last" ? "task \(task.lowercased())" : "run \(run)"
        }
    }
}
