import Foundation

/// Everything the emulator knows: actors, runs, key-value stores and datasets, in memory.
///
/// One actor serializes all mutations; handlers and run executors call in. Waiting clients (`waitForFinish`, log
/// streaming, the sync endpoints) park on per-run continuations that every change of that run resumes, so a held
/// request answers the moment the run ends instead of on a polling tick.
actor EmulatorState {
    private var actorsByID: [String: ActorDefinition] = [:]
    private var actorIDsByName: [String: String] = [:]
    private var tasksByID: [String: TaskDefinition] = [:]
    private var taskIDsByName: [String: String] = [:]
    var runs = RunTable()
    var runTasks: [String: Task<Void, Never>] = [:]
    var stores: [String: [String: StoredRecord]] = [:]
    var datasets: [String: [JSONValue]] = [:]
    var queues: [String: RequestQueue] = [:]
    var webhooks: [String: Webhook] = [:]
    var dispatches: [String: WebhookDispatch] = [:]
    /// Every build by ID: the definitions' tagged builds and those made through the API.
    var builds: [String: ActorBuild] = [:]
    /// The account's memory limit: READY and RUNNING runs may use at most this much together.
    let memoryLimitMbytes: Int
    /// How many runs may be going at once.
    let concurrentRunsLimit: Int
    /// The limits `PUT /v2/users/me/limits` may change; the rest follow the configuration.
    var adjustableLimits = AdjustableLimits()
    /// Named and created storages' metadata; a run's default storages have none (they take the run's).
    var storageMetadata: [String: StorageMetadata] = [:]
    /// Requests waiting for a run to change, by waiter number. A waiter is registered before it parks (no
    /// continuation yet) so that a deadline that fires first can cancel it without a race.
    private var changeWaiters: [Int: (runID: String, continuation: CheckedContinuation<Void, Never>?)] = [:]
    private var nextWaiterID = 0
    private(set) var isShuttingDown = false
    /// The bound port, known once the socket listens; signed record URLs need it.
    private(set) var port = 0

    /// Definitions later in the list replace earlier ones with the same ID or name, so `--actors` can override a
    /// built-in.
    init(
        actors: [ActorDefinition], tasks: [TaskDefinition] = [], memoryLimitMbytes: Int = 32768,
        concurrentRunsLimit: Int = 32
    ) {
        self.memoryLimitMbytes = memoryLimitMbytes
        self.concurrentRunsLimit = concurrentRunsLimit
        for task in tasks {
            if let previousID = taskIDsByName[task.fullName.lowercased()] {
                tasksByID[previousID] = nil
            }
            tasksByID[task.id] = task
            taskIDsByName[task.fullName.lowercased()] = task.id
        }
        for actor in actors {
            if let previousID = actorIDsByName[actor.fullName.lowercased()] {
                actorsByID[previousID] = nil
            }
            actorsByID[actor.id] = actor
            actorIDsByName[actor.fullName.lowercased()] = actor.id
        }
        for actor in actorsByID.values {
            for number in Set(actor.buildTags.values) {
                let id = PlatformID.stable(for: "build:\(actor.id):\(number)")
                let created = EmulatorAPI.accountCreatedAt
                builds[id] = ActorBuild(
                    id: id, actorId: actor.id, number: number, status: .succeeded, startedAt: created,
                    finishedAt: created, logLines: [Timestamp.logLine("ACTOR: Build \(number) succeeded", at: created)])
            }
        }
    }

    func setPort(_ port: Int) {
        self.port = port
    }

    // MARK: Actors

    /// Resolves an actor reference as the API takes it: an ID, `username~name`, or `username/name` (from a
    /// percent-encoded slash). Names are matched without regard to case, like the platform's.
    func actor(for reference: String) -> ActorDefinition? {
        if let actor = actorsByID[reference] { return actor }
        let name = reference.replacingOccurrences(of: "~", with: "/").lowercased()
        return actorIDsByName[name].flatMap { actorsByID[$0] }
    }

    func runCount(ofActor actorID: String) -> Int {
        runs.values.count { $0.actorId == actorID }
    }

    func actor(id: String) -> ActorDefinition? {
        actorsByID[id]
    }

    var actorCount: Int { actorsByID.count }

    /// Points a build tag of an actor at a build number, as a finished build with `tag=` does.
    func tagBuild(actorID: String, tag: String, number: String) {
        guard var actor = actorsByID[actorID] else { return }
        var tags = actor.buildTags
        tags[tag] = number
        actor.builds = tags
        actorsByID[actorID] = actor
    }

    var taskCount: Int { tasksByID.count }

    /// Resolves a task reference: an ID, `username~name` or `username/name`.
    func task(for reference: String) -> TaskDefinition? {
        if let task = tasksByID[reference] { return task }
        let name = reference.replacingOccurrences(of: "~", with: "/").lowercased()
        return taskIDsByName[name].flatMap { tasksByID[$0] }
    }

    // MARK: Runs (lifecycle in `EmulatorState+Runs.swift`)

    func run(id: String) -> ActorRun? {
        runs[id]
    }

    /// Applies a change to a run and wakes everyone waiting on it. Terminal runs are frozen (a late step of a run
    /// that timed out must not overwrite its final state), and so are runs resurrected since `generation`.
    func updateRun(_ id: String, generation: Int? = nil, _ change: (inout ActorRun) -> Void) {
        guard var run = runs[id], !run.status.isTerminal else { return }
        if let generation, generation != run.generation { return }
        change(&run)
        runs[id] = run
        if run.status.isTerminal {
            runTasks[id] = nil
            runDidFinish(id)
        }
        notifyChange(of: id)
    }

    func appendLog(_ runID: String, generation: Int? = nil, _ text: String) {
        updateRun(runID, generation: generation) { $0.logLines.append(Timestamp.logLine(text, at: Date())) }
    }

    /// Holds until the run is terminal, `seconds` pass, or the server stops; the caller then reads the run again.
    func waitUntilTerminal(runID: String, seconds: Double) async {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        await waitUntil(runID: runID, deadline: deadline) { $0.status.isTerminal }
    }

    /// Holds until `condition` holds for the run, the deadline passes, the run is gone or the server stops. The
    /// check and the registration of the waiter happen in one turn of the actor, so no change is missed.
    func waitUntil(
        runID: String, deadline: ContinuousClock.Instant, _ condition: (ActorRun) -> Bool
    ) async {
        while let run = runs[runID], !condition(run), !isShuttingDown, ContinuousClock.now < deadline {
            await waitForChange(of: runID, until: deadline)
        }
    }

    // MARK: Storages

    func putRecord(storeID: String, key: String, record: StoredRecord) {
        stores[storeID, default: [:]][key] = record
    }

    /// The record, or why there is none: the store or the key is unknown.
    func record(storeID: String, key: String) -> Result<StoredRecord, APIError> {
        guard let store = stores[storeID] else { return .failure(.storeNotFound) }
        guard let record = store[key] else { return .failure(.recordNotFound) }
        return .success(record)
    }

    func pushItems(datasetID: String, items: [JSONValue]) {
        datasets[datasetID, default: []].append(contentsOf: items)
    }

    func datasetItems(datasetID: String) -> [JSONValue]? {
        datasets[datasetID]
    }

    /// A store's size and the run that owns it; nil for an unknown store.
    func storeInfo(_ storeID: String) -> (run: ActorRun?, bytes: Int)? {
        guard let store = stores[storeID] else { return nil }
        return (owningRun(.keyValueStore, id: storeID), store.values.reduce(0) { $0 + $1.size })
    }

    /// A dataset's items and the run that owns it; nil for an unknown dataset.
    func datasetInfo(_ datasetID: String) -> (run: ActorRun?, items: [JSONValue])? {
        guard let items = datasets[datasetID] else { return nil }
        return (owningRun(.dataset, id: datasetID), items)
    }

    // MARK: Shutdown

    /// Ends every run as ABORTED and releases every held request, so that the HTTP server can drain quickly and
    /// the answers it still sends are final.
    func shutDown() {
        isShuttingDown = true
        for task in runTasks.values {
            task.cancel()
        }
        runTasks.removeAll()
        let now = Date()
        for id in runs.goingIDs {
            runs[id]?.status = .aborted
            runs[id]?.finishedAt = now
            runs[id]?.statusMessage = "The emulator was stopped"
            runs[id]?.isStatusMessageTerminal = true
        }
        for (waiterID, waiter) in changeWaiters {
            waiter.continuation?.resume()
            changeWaiters[waiterID] = nil
        }
    }

    // MARK: Change notification

    func notifyChange(of runID: String) {
        // A waiter not parked yet is unregistered too, so that it returns at once instead of sleeping through the
        // change it was waiting for.
        for (waiterID, waiter) in changeWaiters where waiter.runID == runID {
            waiter.continuation?.resume()
            changeWaiters[waiterID] = nil
        }
    }

    /// Suspends until the run changes or the deadline passes, whichever is first.
    func waitForChange(of runID: String, until deadline: ContinuousClock.Instant) async {
        nextWaiterID += 1
        let waiterID = nextWaiterID
        changeWaiters[waiterID] = (runID, nil)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.parkWaiter(waiterID) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
            self.releaseWaiter(waiterID)
        }
    }

    private func parkWaiter(_ waiterID: Int) async {
        await withCheckedContinuation { continuation in
            if let waiter = changeWaiters[waiterID], !isShuttingDown {
                changeWaiters[waiterID] = (waiter.runID, continuation)
            } else {
                continuation.resume()
            }
        }
    }

    /// Ends a wait: resumes the waiter if it is parked, or unregisters it so that it will not park.
    private func releaseWaiter(_ waiterID: Int) {
        changeWaiters.removeValue(forKey: waiterID)?.continuation?.resume()
    }
}
