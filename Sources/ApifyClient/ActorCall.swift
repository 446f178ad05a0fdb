/// What a call starts: a run of an actor or of a saved task, or an ended run brought back.
public enum RunTarget: Sendable, Equatable, CustomStringConvertible {
    case actor(ActorReference)
    case task(ActorReference)
    case resurrection(runID: String)

    public var description: String {
        switch self {
        case .actor(let actor): return actor.description
        case .task(let task): return "task \(task)"
        case .resurrection(let runID): return "run \(runID)"
        }
    }

    /// The start of an error message when starting fails.
    var failureAction: String {
        switch self {
        case .actor(let actor): return "cannot start actor \(actor)"
        case .task(let task): return "cannot start task \(task)"
        case .resurrection(let runID): return "cannot resurrect run \(runID)"
        }
    }
}

/// What a call prints once the run has ended.
public enum RunOutput: Sendable, Equatable {
    /// A record of the run's default key-value store (`OUTPUT` unless `--key`).
    case record(key: String)
    /// The items of the run's default dataset, in one of the API's formats (`--dataset --format`).
    case datasetItems(format: String)
    /// The final run object as the API sent it (`--json`), whatever the status.
    case runObject
}

/// How to follow a run once it exists: how long to wait, what to print, where its log goes.
public struct FollowPlan: Sendable {
    /// The client's own wait limit (`--wait`); `nil` waits until the run ends.
    public var waitLimit: Duration?
    public var output: RunOutput
    /// Where to stream the run's log while waiting (`--logs`); `nil` for no log. Its failures never fail the
    /// call: the log is for people, the output is the job.
    public var log: (any RecordDestination)?

    public init(
        waitLimit: Duration? = nil, output: RunOutput = .record(key: "OUTPUT"), log: (any RecordDestination)? = nil
    ) {
        self.waitLimit = waitLimit
        self.output = output
        self.log = log
    }
}

/// One invocation of `actor-run <actor>` (or `task`, `resurrect`): what to start and how to follow it.
public struct CallPlan: Sendable {
    public var target: RunTarget
    public var options: RunOptions
    public var input: RunInput?
    /// Start the run and return at once (`--detach`).
    public var detaches: Bool
    public var follow: FollowPlan

    public init(
        target: RunTarget,
        options: RunOptions = RunOptions(),
        input: RunInput? = nil,
        detaches: Bool = false,
        follow: FollowPlan = FollowPlan()
    ) {
        self.target = target
        self.options = options
        self.input = input
        self.detaches = detaches
        self.follow = follow
    }

    /// A plan to run an actor and print a record.
    public init(
        actor: ActorReference,
        options: RunOptions = RunOptions(),
        input: RunInput? = nil,
        waitLimit: Duration? = nil,
        recordKey: String = "OUTPUT",
        detaches: Bool = false
    ) {
        self.init(
            target: .actor(actor), options: options, input: input, detaches: detaches,
            follow: FollowPlan(waitLimit: waitLimit, output: .record(key: recordKey)))
    }
}

/// What happened along the way, for the CLI to tell the user on stderr.
public enum CallEvent: Sendable {
    case started(Run)
    /// The start failed after it was sent: the run it may have created is being looked for.
    case lookingForLostStart(ApifyError)
    /// `actor-run wait` found the run.
    case attached(Run)
    case statusChanged(Run)
}

/// How an invocation ended. Each case is one exit code in the CLI.
public enum CallOutcome: Sendable, Equatable {
    case detached(Run)
    /// The wait limit passed; the run goes on.
    case stillRunning(Run)
    /// The run ended other than SUCCEEDED; nothing was fetched.
    case ended(Run)
    case succeeded(Run, RecordInfo)
    /// The run SUCCEEDED but the record is not there.
    case recordMissing(Run)
}

/// Start, wait, fetch: the whole job of `actor-run <actor>`, as the official clients' `call()` does it, with
/// one run per call and the record streamed rather than held.
public struct ActorCall: Sendable {
    private let api: ApifyAPI
    private let waiter: RunWaiter
    private let clock: any WaitClock
    /// Pauses before asking again for a record that is not there yet (the store may lag the run's end).
    public var missingRecordRetryDelays: [Duration] = [.milliseconds(500), .seconds(1)]

    public init(api: ApifyAPI, clock: any WaitClock = SystemWaitClock()) {
        self.api = api
        self.clock = clock
        self.waiter = RunWaiter(api: api, clock: clock)
    }

    /// - Parameter destination: made only once the run has SUCCEEDED, so that a failed run leaves no file.
    public func perform(
        _ plan: CallPlan,
        destination: @escaping @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        let started = try await start(plan, events: events)
        events(.started(started))
        if plan.detaches { return .detached(started) }
        return try await follow(started, plan.follow, destination: destination, events: events)
    }

    /// Starts the run once. When the answer is lost after the request went out, the run may exist: it is looked
    /// for by this client's `User-Agent` (unique per invocation) and adopted, never started a second time.
    private func start(_ plan: CallPlan, events: @Sendable (CallEvent) -> Void) async throws(ApifyError) -> Run {
        do {
            return try await api.start(plan.target, options: plan.options, input: plan.input)
        } catch  where error.mayHaveTakenEffect {
            events(.lookingForLostStart(error))
            for delay in [Duration.zero, .seconds(1), .seconds(2)] {
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw ApifyError(kind: .cancelled, message: "interrupted")
                }
                if let run = try? await api.findStartedRun(plan.target) { return run }
            }
            var failure = error
            failure.message += "; no run started by this invocation was found among the newest runs"
            throw failure
        }
    }

    /// Attaches to a run started elsewhere (`actor-run wait`): reads it once, then follows it like a new one.
    public func attach(
        runID: String,
        _ plan: FollowPlan,
        destination: @escaping @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        let run = try await api.getRun(id: runID, waitForFinish: 0)
        events(.attached(run))
        return try await follow(run, plan, destination: destination, events: events)
    }

    /// Waits for the run to end (streaming its log meanwhile, if asked), then prints what the plan says.
    private func follow(
        _ first: Run,
        _ plan: FollowPlan,
        destination: @escaping @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        var run = first
        if !first.status.isTerminal {
            let logStream = plan.log.map { log in
                Task { [api] in _ = try? await api.streamLog(runID: first.id, follows: true, to: log) }
            }
            let outcome: RunWaiter.Outcome
            do {
                outcome = try await waiter.wait(for: first.id, limit: plan.waitLimit) { run in
                    if run.status != first.status { events(.statusChanged(run)) }
                }
            } catch {
                logStream?.cancel()
                throw error
            }
            if let logStream { await finish(logStream) }
            switch outcome {
            case .limitReached(let last): return .stillRunning(last ?? first)
            case .finished(let finished): run = finished
            }
        }
        return try await emit(run, plan.output, destination: destination, requiresSuccess: true)
    }

    /// Prints the output of a run as it is now, without waiting (`actor-run output`): the record or the items
    /// even of a run that did not succeed, since the user asked for them by name.
    public func output(
        runID: String,
        _ output: RunOutput,
        destination: @escaping @Sendable () throws -> any RecordDestination
    ) async throws(ApifyError) -> CallOutcome {
        let run = try await api.getRun(id: runID, waitForFinish: 0)
        return try await emit(run, output, destination: destination, requiresSuccess: false)
    }

    /// Writes what `output` names; with `requiresSuccess`, a run that did not succeed writes nothing but
    /// its run object.
    private func emit(
        _ run: Run,
        _ output: RunOutput,
        destination: @escaping @Sendable () throws -> any RecordDestination,
        requiresSuccess: Bool
    ) async throws(ApifyError) -> CallOutcome {
        switch output {
        case .runObject:
            let info = try await write(run.json + [0x0A], to: destination)
            return run.status == .succeeded || !requiresSuccess ? .succeeded(run, info) : .ended(run)
        case _ where requiresSuccess && run.status != .succeeded:
            return .ended(run)
        case .record(let key):
            return try await fetchRecord(of: run, key: key, destination: destination)
        case .datasetItems(let format):
            guard let datasetID = run.defaultDatasetId else {
                throw ApifyError(kind: .unexpectedResponse, message: "run \(run.id) has no default dataset")
            }
            let target = try open(destination)
            do {
                let info = try await api.streamDatasetItems(datasetID: datasetID, format: format, to: target)
                try commit(target)
                return .succeeded(run, info)
            } catch {
                target.discard()
                throw error
            }
        }
    }

    /// The log stream ends by itself when the run ends; give it a moment to deliver its last lines.
    private func finish(_ logStream: Task<Void, Never>) async {
        let clock = self.clock
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await logStream.value }
            group.addTask { try? await clock.sleep(for: .seconds(2)) }
            await group.next()
            group.cancelAll()
        }
        logStream.cancel()
    }

    private func write(_ bytes: [UInt8], to destination: () throws -> any RecordDestination) async throws(ApifyError)
        -> RecordInfo
    {
        let target = try open(destination)
        do {
            try bytes.withUnsafeBytes { try target.write($0) }
        } catch {
            target.discard()
            throw ApifyError(kind: .destinationFailed, message: "\(error)")
        }
        try commit(target)
        return RecordInfo(contentType: "application/json", byteCount: Int64(bytes.count))
    }

    private func open(_ destination: () throws -> any RecordDestination) throws(ApifyError) -> any RecordDestination {
        do {
            return try destination()
        } catch {
            throw ApifyError(kind: .destinationFailed, message: "\(error)")
        }
    }

    /// Streams the record of a finished run, retrying a 404 briefly before calling the record missing.
    public func fetchRecord(
        of run: Run,
        key: String,
        destination: @Sendable () throws -> any RecordDestination
    ) async throws(ApifyError) -> CallOutcome {
        guard let storeID = run.defaultKeyValueStoreId else {
            throw ApifyError(kind: .unexpectedResponse, message: "run \(run.id) has no default key-value store")
        }
        let target = try open(destination)
        var delays = missingRecordRetryDelays[...]
        while true {
            do {
                let info = try await api.streamRecord(storeID: storeID, key: key, to: target)
                try commit(target)
                return .succeeded(run, info)
            } catch {
                guard error.kind == .notFound, let delay = delays.popFirst() else {
                    target.discard()
                    if error.kind == .notFound { return .recordMissing(run) }
                    throw error
                }
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    target.discard()
                    throw ApifyError(kind: .cancelled, message: "interrupted")
                }
            }
        }
    }

    private func commit(_ target: any RecordDestination) throws(ApifyError) {
        do {
            try target.commit()
        } catch {
            throw ApifyError(kind: .destinationFailed, message: "\(error)")
        }
    }
}
