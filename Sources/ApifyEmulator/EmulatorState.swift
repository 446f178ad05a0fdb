import Foundation

/// Everything the emulator knows: actors, runs, key-value stores and datasets, in memory.
///
/// One actor serializes all mutations; handlers and run executors call in. Waiting clients (`waitForFinish`, and
/// log streaming in issue 3) park on per-run continuations that every change of that run resumes, so a held
/// request answers the moment the run ends instead of on a polling tick.
actor EmulatorState {
    private var actorsByID: [String: ActorDefinition] = [:]
    private var actorIDsByName: [String: String] = [:]
    private var runs: [String: ActorRun] = [:]
    private var runTasks: [String: Task<Void, Never>] = [:]
    private var stores: [String: [String: StoredRecord]] = [:]
    private var datasets: [String: [JSONValue]] = [:]
    /// Requests waiting for a run to change, by waiter number. A waiter is registered before it parks (no
    /// continuation yet) so that a deadline that fires first can cancel it without a race.
    private var changeWaiters: [Int: (runID: String, continuation: CheckedContinuation<Void, Never>?)] = [:]
    private var nextWaiterID = 0
    private(set) var isShuttingDown = false
    /// The bound port, known once the socket listens; signed record URLs need it.
    private(set) var port = 0

    /// Definitions later in the list replace earlier ones with the same ID or name, so `--actors` can override a
    /// built-in.
    init(actors: [ActorDefinition]) {
        for actor in actors {
            if let previousID = actorIDsByName[actor.fullName.lowercased()] {
                actorsByID[previousID] = nil
            }
            actorsByID[actor.id] = actor
            actorIDsByName[actor.fullName.lowercased()] = actor.id
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

    // MARK: Runs

    /// Creates the run and its storages, stores the input, and starts executing the actor's steps.
    func startRun(
        of actor: ActorDefinition, build: ResolvedBuild, options: ActorRun.Options, input: StoredRecord?,
        userAgent: String?
    ) -> ActorRun {
        let run = ActorRun(
            id: PlatformID.random(),
            actorId: actor.id,
            userId: PlatformID.stable(for: "user:\(actor.username)"),
            buildId: build.id,
            buildNumber: build.number,
            options: options,
            origin: "API",
            userAgent: userAgent,
            clientIp: "127.0.0.1",
            startedAt: Date(),
            defaultKeyValueStoreId: PlatformID.random(),
            defaultDatasetId: PlatformID.random(),
            defaultRequestQueueId: PlatformID.random(),
            inputBodyLen: input?.size
        )
        runs[run.id] = run
        stores[run.defaultKeyValueStoreId] = input.map { ["INPUT": $0] } ?? [:]
        datasets[run.defaultDatasetId] = []
        let executor = RunExecutor(state: self, runID: run.id, actor: actor, input: input, options: options)
        runTasks[run.id] = Task { await executor.execute() }
        return run
    }

    func run(id: String) -> ActorRun? {
        runs[id]
    }

    func lastRun(ofActor actorID: String) -> ActorRun? {
        runs.values.filter { $0.actorId == actorID }.max { $0.startedAt < $1.startedAt }
    }

    /// Stops a run that has not finished; its executor records ABORTING then ABORTED. Finished runs are left alone.
    func abortRun(_ id: String) {
        guard let run = runs[id], !run.status.isTerminal, let task = runTasks[id] else { return }
        updateRun(id) { $0.status = .aborting }
        task.cancel()
    }

    /// Applies a change to a run and wakes everyone waiting on it. Terminal runs are frozen: a late step of a run
    /// that timed out must not overwrite its final state.
    func updateRun(_ id: String, _ change: (inout ActorRun) -> Void) {
        guard var run = runs[id], !run.status.isTerminal else { return }
        change(&run)
        runs[id] = run
        if run.status.isTerminal {
            runTasks[id] = nil
        }
        notifyChange(of: id)
    }

    func appendLog(_ runID: String, _ text: String) {
        updateRun(runID) { $0.logLines.append(Timestamp.logLine(text, at: Date())) }
    }

    /// Holds until the run is terminal, `seconds` pass, or the server stops; the caller then reads the run again.
    func waitUntilTerminal(runID: String, seconds: Double) async {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while let run = runs[runID], !run.status.isTerminal, !isShuttingDown, ContinuousClock.now < deadline {
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
        for (id, run) in runs where !run.status.isTerminal {
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

    private func notifyChange(of runID: String) {
        // A waiter not parked yet is unregistered too, so that it returns at once instead of sleeping through the
        // change it was waiting for.
        for (waiterID, waiter) in changeWaiters where waiter.runID == runID {
            waiter.continuation?.resume()
            changeWaiters[waiterID] = nil
        }
    }

    /// Suspends until the run changes or the deadline passes, whichever is first.
    private func waitForChange(of runID: String, until deadline: ContinuousClock.Instant) async {
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
