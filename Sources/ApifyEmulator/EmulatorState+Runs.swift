import Foundation
import HTTPTypes

/// What a new run or a resurrect needs besides the actor: validated options, the build and where it came from.
struct RunLaunch: Sendable {
    var build: ResolvedBuild
    var options: ActorRun.Options
    var input: StoredRecord?
    var userAgent: String?
    var taskID: String?
    /// The start's ad-hoc webhooks (`webhooks=`), bound to the run once it has an ID.
    var webhooks: [Webhook] = []
    /// The API's base URL as the client reached it, for the links in an Actor output object.
    var apiBaseURL = ""
}

/// The run lifecycle: start (with the account memory limit), lists and `last`, abort and resurrect.
extension EmulatorState {
    /// Creates the run and its storages, stores the input, and starts executing the actor's steps.
    ///
    /// Throws 402 `actor-memory-limit-exceeded` when the run's memory plus that of READY and RUNNING runs would
    /// exceed the account's limit; the check and the start are one step of the actor, so parallel starts cannot
    /// both slip under the limit.
    func startRun(of actor: ActorDefinition, _ launch: RunLaunch) throws(APIError) -> ActorRun {
        try checkConcurrentRuns()
        try checkMemory(launch.options.memoryMbytes, excluding: nil)
        let now = Date()
        var run = ActorRun(
            id: PlatformID.random(),
            actorId: actor.id,
            // The caller's account, not the actor owner's: runs belong to whoever started them.
            userId: EmulatedUser.id,
            buildId: launch.build.id,
            buildNumber: launch.build.number,
            options: launch.options,
            actorTaskId: launch.taskID,
            origin: "API",
            userAgent: launch.userAgent,
            clientIp: "127.0.0.1",
            startedAt: now,
            defaultKeyValueStoreId: PlatformID.random(),
            defaultDatasetId: PlatformID.random(),
            defaultRequestQueueId: PlatformID.random(),
            inputBodyLen: launch.input?.size,
            executionStartedAt: now
        )
        run.statusMessage = "Starting the Actor run"
        run.output = actor.output.map { OutputObject.render($0, for: run, apiBaseURL: launch.apiBaseURL) }
        runs[run.id] = run
        stores[run.defaultKeyValueStoreId] = launch.input.map { ["INPUT": $0] } ?? [:]
        datasets[run.defaultDatasetId] = []
        queues[run.defaultRequestQueueId] = RequestQueue()
        addAdHocWebhooks(launch.webhooks, runID: run.id)
        execute(run, actor: actor, input: launch.input, startsRunning: false)
        fireRunEvent("ACTOR.RUN.CREATED", runID: run.id)
        return run
    }

    /// Brings a finished run back to RUNNING with the same storages: new options, `resurrectCount` + 1, the
    /// timeout counted from now, and the actor's steps played again. Only terminal runs can be resurrected.
    func resurrectRun(_ id: String, build: ResolvedBuild, options: ActorRun.Options) throws(APIError) -> ActorRun {
        guard var run = runs[id] else { throw .runNotFound }
        guard run.status.isTerminal else {
            throw APIError(
                status: .badRequest, type: "invalid-request",
                message: "Only a finished run can be resurrected; run \(id) is \(run.status.rawValue).")
        }
        guard let actor = actor(id: run.actorId) else { throw .actorNotFound }
        try checkConcurrentRuns()
        try checkMemory(options.memoryMbytes, excluding: id)
        let now = Date()
        run.earlierDurationMillis = run.durationMillis(now: now)
        run.executionStartedAt = now
        run.finishedAt = nil
        run.exitCode = nil
        run.status = .running
        run.statusMessage = "Resurrected"
        run.isStatusMessageTerminal = false
        run.abortsGracefully = false
        run.isStatusMessageFromActor = false
        run.resurrectCount += 1
        run.generation += 1
        run.options = options
        run.buildId = build.id
        run.buildNumber = build.number
        run.logLines.append(Timestamp.logLine("ACTOR: Run resurrected (build \(build.number))", at: now))
        runs[id] = run
        execute(run, actor: actor, input: stores[run.defaultKeyValueStoreId]?["INPUT"], startsRunning: true)
        notifyChange(of: id)
        fireRunEvent("ACTOR.RUN.RESURRECTED", runID: id)
        return run
    }

    /// Stops a run that has not finished. A forced abort records ABORTED at once; a graceful one records ABORTING
    /// and lets the executor finish it a moment later. Finished runs are left alone, as on the platform.
    func abortRun(_ id: String, gracefully: Bool) {
        guard let run = runs[id], !run.status.isTerminal else { return }
        let task = runTasks[id]
        if gracefully {
            updateRun(id) {
                $0.status = .aborting
                $0.abortsGracefully = true
                $0.statusMessage = "Aborting gracefully"
            }
        } else {
            let now = Date()
            updateRun(id) {
                $0.logLines.append(Timestamp.logLine("ACTOR: Run aborted", at: now))
                $0.status = .aborted
                $0.finishedAt = now
                $0.exitCode = nil
                $0.statusMessage = "Actor run was aborted"
                $0.isStatusMessageTerminal = true
            }
        }
        task?.cancel()
    }

    /// Runs of one actor or task (or all), oldest first.
    func runs(actorID: String?, taskID: String?) -> [ActorRun] {
        runs.values
            .filter { run in
                (actorID == nil || run.actorId == actorID) && (taskID == nil || run.actorTaskId == taskID)
            }
            .sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
    }

    /// The newest run of an actor or task, optionally only among runs with one status and one origin.
    func lastRun(actorID: String?, taskID: String?, status: RunStatus?, origin: String? = nil) -> ActorRun? {
        runs(actorID: actorID, taskID: taskID).last {
            (status == nil || $0.status == status) && (origin == nil || $0.origin == origin)
        }
    }

    /// The log lines from `index` on, and whether the run has ended; nil for an unknown run.
    func logLines(runID: String, from index: Int) -> (lines: ArraySlice<String>, isTerminal: Bool)? {
        guard let run = runs[runID] else { return nil }
        return (run.logLines.dropFirst(index), run.status.isTerminal)
    }

    /// 402 `concurrent-runs-limit-exceeded` when one more run would exceed the account's concurrent runs.
    private func checkConcurrentRuns() throws(APIError) {
        let going = runs.goingIDs.count
        guard going < concurrentRunsLimit else {
            throw APIError(
                status: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"),
                type: "concurrent-runs-limit-exceeded",
                message:
                    "By launching this job you will exceed the limit of \(concurrentRunsLimit) concurrent runs for "
                    + "your account (currently running: \(going)). Please consider an upgrade to a higher plan or wait "
                    + "for other runs to finish.")
        }
    }

    private func checkMemory(_ requested: Int, excluding runID: String?) throws(APIError) {
        let used = runs.going
            .filter { $0.id != runID && ($0.status == .ready || $0.status == .running) }
            .reduce(0) { $0 + $1.options.memoryMbytes }
        guard used + requested <= memoryLimitMbytes else {
            throw APIError(
                status: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"),
                type: "actor-memory-limit-exceeded",
                message: "By launching this job you will exceed the memory limit of \(memoryLimitMbytes) MB for all "
                    + "your Actor runs and builds (currently used: \(used) MB, requested: \(requested) MB). Please "
                    + "consider an upgrade to a higher plan or wait for other runs to finish.")
        }
    }

    func execute(_ run: ActorRun, actor: ActorDefinition, input: StoredRecord?, startsRunning: Bool) {
        let executor = RunExecutor(
            state: self, runID: run.id, generation: run.generation, actor: actor, input: input, options: run.options,
            startsRunning: startsRunning)
        runTasks[run.id]?.cancel()
        runTasks[run.id] = Task { await executor.execute() }
    }
}
