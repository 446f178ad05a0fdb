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

/// One invocation of `actor-run <actor>` (or `task`, `resurrect`): what to start, how long to wait, what to fetch.
public struct CallPlan: Sendable {
    public var target: RunTarget
    public var options: RunOptions
    public var input: RunInput?
    /// The client's own wait limit (`--wait`); `nil` waits until the run ends.
    public var waitLimit: Duration?
    /// The record of the run's default key-value store to fetch (`OUTPUT` unless `--key`).
    public var recordKey: String
    /// Start the run and return at once (`--detach`).
    public var detaches: Bool

    public init(
        target: RunTarget,
        options: RunOptions = RunOptions(),
        input: RunInput? = nil,
        waitLimit: Duration? = nil,
        recordKey: String = "OUTPUT",
        detaches: Bool = false
    ) {
        self.target = target
        self.options = options
        self.input = input
        self.waitLimit = waitLimit
        self.recordKey = recordKey
        self.detaches = detaches
    }

    /// A plan to run an actor.
    public init(
        actor: ActorReference,
        options: RunOptions = RunOptions(),
        input: RunInput? = nil,
        waitLimit: Duration? = nil,
        recordKey: String = "OUTPUT",
        detaches: Bool = false
    ) {
        self.init(
            target: .actor(actor), options: options, input: input, waitLimit: waitLimit, recordKey: recordKey,
            detaches: detaches)
    }
}

/// What happened along the way, for the CLI to tell the user on stderr.
public enum CallEvent: Sendable {
    case started(Run)
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
        destination: @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        let started = try await api.start(plan.target, options: plan.options, input: plan.input)
        events(.started(started))
        if plan.detaches { return .detached(started) }
        return try await follow(
            started, waitLimit: plan.waitLimit, recordKey: plan.recordKey, destination: destination, events: events)
    }

    /// Attaches to a run started elsewhere (`actor-run wait`): reads it once, then follows it like a new one.
    public func attach(
        runID: String,
        waitLimit: Duration?,
        recordKey: String,
        destination: @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        let run = try await api.getRun(id: runID, waitForFinish: 0)
        events(.attached(run))
        return try await follow(
            run, waitLimit: waitLimit, recordKey: recordKey, destination: destination, events: events)
    }

    /// Waits for the run to end, then fetches the record if it SUCCEEDED.
    private func follow(
        _ first: Run,
        waitLimit: Duration?,
        recordKey: String,
        destination: @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        var run = first
        if !first.status.isTerminal {
            let outcome = try await waiter.wait(for: first.id, limit: waitLimit) { run in
                if run.status != first.status { events(.statusChanged(run)) }
            }
            switch outcome {
            case .limitReached(let last): return .stillRunning(last ?? first)
            case .finished(let finished): run = finished
            }
        }
        guard run.status == .succeeded else { return .ended(run) }
        return try await fetchRecord(of: run, key: recordKey, destination: destination)
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
        let target: any RecordDestination
        do {
            target = try destination()
        } catch {
            throw ApifyError(kind: .destinationFailed, message: "\(error)")
        }
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
