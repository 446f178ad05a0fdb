import Synchronization

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

/// The dataset items endpoint's options that users ask for: which items (`offset`, `limit`) and which fields.
public struct DatasetOptions: Sendable, Equatable {
    public var offset: Int?
    public var limit: Int?
    public var fields: [String] = []
    public var omit: [String] = []
    /// Skip empty items and hidden fields (`clean=1`).
    public var clean = false

    public init(offset: Int? = nil, limit: Int? = nil, fields: [String] = [], omit: [String] = [], clean: Bool = false)
    {
        self.offset = offset
        self.limit = limit
        self.fields = fields
        self.omit = omit
        self.clean = clean
    }

    var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let offset { items.append(("offset", String(offset))) }
        if let limit { items.append(("limit", String(limit))) }
        if !fields.isEmpty { items.append(("fields", fields.joined(separator: ","))) }
        if !omit.isEmpty { items.append(("omit", omit.joined(separator: ","))) }
        if clean { items.append(("clean", "1")) }
        return items
    }
}

/// What a call prints once the run has ended.
public enum RunOutput: Sendable, Equatable {
    /// A record of the run's default key-value store (`OUTPUT` unless `--key`).
    case record(key: String)
    /// The items of the run's default dataset, in one of the API's formats (`--dataset --format`), with the API's
    /// paging and field options.
    case datasetItems(format: String, options: DatasetOptions = DatasetOptions())
    /// The final run object as the API sent it (`--json`), whatever the status.
    case runObject
    /// The run's Actor output object (`--output-object`): what the actor's output schema makes of the run.
    case outputObject
    /// For scripts that do not know the actor (`--print auto`): the record if the run wrote it, else the items of
    /// its default dataset as JSON.
    case recordOrItems(key: String)
}

/// How to follow a run once it exists: how long to wait, what to print, where its log goes.
public struct FollowPlan: Sendable {
    /// The client's own wait limit (`--wait`); `nil` waits until the run ends.
    public var waitLimit: Duration?
    public var output: RunOutput
    /// Where to stream the run's log while waiting (`--logs`); `nil` for no log. Its failures never fail the
    /// call: the log is for people, the output is the job.
    public var log: (any RecordDestination)?
    /// The longest the server may hold one wait, in seconds: 60 (its maximum) saves requests; a few seconds keep
    /// the status message fresh for a person watching a terminal.
    public var holdSeconds = RunWaiter.longPollSeconds

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
    /// On the platform's memory or concurrent-run limit (402), keep trying to start until the wait limit
    /// (`--wait-for-resources`).
    public var waitsForResources: Bool
    public var follow: FollowPlan
    /// The `User-Agent` that marks this start for a lookup after a lost answer; nil: the client's own.
    public var marker: String?
    /// Seconds the start may be held by the server until the run ends (`waitForFinish` on the POST): a run that
    /// ends within it costs two requests in all. Not for `detaches`; capped by the wait limit.
    public var startHold: Int = 0

    public init(
        target: RunTarget,
        options: RunOptions = RunOptions(),
        input: RunInput? = nil,
        detaches: Bool = false,
        waitsForResources: Bool = false,
        follow: FollowPlan = FollowPlan()
    ) {
        self.target = target
        self.options = options
        self.input = input
        self.detaches = detaches
        self.waitsForResources = waitsForResources
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

extension CallPlan {
    /// The server-side hold on the start: none for a detached start, and never past the client's own wait limit.
    var holdOnStart: Int {
        guard !detaches, startHold > 0 else { return 0 }
        guard let limit = follow.waitLimit else { return startHold }
        return max(0, min(startHold, Int(limit.seconds.rounded(.down)) - 1))
    }
}

/// What happened along the way, for the CLI to tell the user on stderr. Every string in a run has been made safe
/// to print (`ServerText`).
public enum CallEvent: Sendable {
    case started(Run)
    /// The start failed after it was sent: the run it may have created is being looked for.
    case lookingForLostStart(ApifyError)
    /// The platform's resource limit refused the start; another try follows after the pause.
    case waitingForResources(ApifyError, retryIn: Duration)
    /// `actor-run wait` found the run.
    case attached(Run)
    case statusChanged(Run)
    /// An interrupt came while the start's answer is not in: the run is aborted (or named) once known.
    case interruptedWhileStarting(abortsRun: Bool)
    /// An interrupt is aborting the run: gracefully first, `forced` after a second interrupt.
    case aborting(runID: String, forced: Bool)
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
    /// The run SUCCEEDED, but its output could not be fetched or written: it can be, later, without a new run.
    case outputNotFetched(Run, ApifyError)
    /// An interrupt came before any run existed (or none was found); the error says what may have happened.
    case interruptedBeforeStart(ApifyError?)
    /// An interrupt aborted the run; this is its last state seen (ABORTED once the platform confirmed it).
    case abortedOnInterrupt(Run)
    /// An interrupt left the run going (`--no-abort-on-interrupt`, `actor-run wait`).
    case leftRunning(Run)
    /// An interrupt came after the run had ended, while its output was being written.
    case interruptedAfterEnd(Run)
    /// The abort could not be sent; the run may still be going.
    case abortFailed(runID: String, ApifyError)
    /// A third interrupt ended the call at once; the run (if one is known) may still be going.
    /// `hasEnded`: the run had ended, and only its output was being written.
    case abandoned(runID: String?, target: RunTarget, hasEnded: Bool = false)
}

extension ApifyError: Equatable {
    public static func == (lhs: ApifyError, rhs: ApifyError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.status == rhs.status && lhs.type == rhs.type
    }
}

/// Start, wait, fetch: the whole job of `actor-run <actor>`, as the official clients' `call()` does it, with
/// one run per call, the record streamed rather than held, and interrupts handled by `CallControl`'s states.
public struct ActorCall: Sendable {
    private let api: ApifyAPI
    private let waiter: RunWaiter
    private let clock: any WaitClock
    /// Pauses before asking again for a record that is not there yet (the store may lag the run's end).
    public var missingRecordRetryDelays: [Duration] = [.milliseconds(500), .seconds(1)]
    /// Pauses before each look for a run whose start answer was lost (the run list may lag the start).
    public var lostStartLookupDelays: [Duration] = [.zero, .seconds(1), .seconds(2), .seconds(4)]
    /// The first pause before another start after a resource limit; it doubles up to `resourceRetryCap`.
    public var resourceRetryDelay: Duration = .seconds(2)
    public var resourceRetryCap: Duration = .seconds(30)
    /// How long an interrupted start may still take to answer before it is cut and its run looked up instead.
    public var interruptedStartGrace: Duration = .seconds(3)

    public init(api: ApifyAPI, clock: any WaitClock = SystemWaitClock()) {
        self.api = api
        self.clock = clock
        self.waiter = RunWaiter(api: api, clock: clock)
    }

    /// Starts the run, follows it, writes its output, and answers interrupts as `control` receives them.
    /// - Parameter destination: made only once the run has SUCCEEDED, so that a failed run leaves no file.
    public func perform(
        _ plan: CallPlan,
        control: CallControl = CallControl(),
        destination: @escaping @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        control.bind(events)
        return try await control.run(abandoned: {
            .abandoned(runID: $0.runID, target: plan.target, hasEnded: $0.isEnded)
        }) {
            () async throws(ApifyError) -> CallOutcome in
            try await drive(plan, control: control, destination: destination, events: events)
        }
    }

    private func drive(
        _ plan: CallPlan,
        control: CallControl,
        destination: @escaping @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        let run: Run
        do {
            guard let started = try await start(plan, control: control, events: events) else {
                return .interruptedBeforeStart(nil)
            }
            run = started
        } catch {
            if control.interruptCount > 0 { return .interruptedBeforeStart(error) }
            throw error
        }
        control.enter(run.status.isTerminal ? .ended(runID: run.id) : .started(runID: run.id))
        events(.started(run))
        if control.interruptCount > 0 { return try await stop(run, control: control, events: events) }
        if plan.detaches { return .detached(run) }
        let latest = LatestRun(run)
        let outcome: CallOutcome?
        do {
            outcome = try await control.interruptible {
                () async throws(ApifyError) -> CallOutcome in
                try await follow(
                    run, plan.follow, control: control, latest: latest, destination: destination, events: events)
            }
        } catch {
            throw error.namingRunStillGoing(latest.run, phase: control.phase)
        }
        guard let outcome else { return try await stop(latest.run, control: control, events: events) }
        return outcome
    }

    /// Starts the run once. When the answer is lost after the request went out, the run may exist: it is looked
    /// for by this client's `User-Agent` (unique per invocation) and adopted, never started a second time.
    /// Returns nil when an interrupt came before anything was sent again.
    private func start(_ plan: CallPlan, control: CallControl, events: @escaping @Sendable (CallEvent) -> Void)
        async throws(ApifyError) -> Run?
    {
        let began = clock.now()
        var pause = resourceRetryDelay
        while true {
            control.enter(.starting)
            let api = self.api
            do {
                // An interrupt leaves the start a moment to answer (the answer names the run to abort); past that,
                // it is cut and the run looked for, as after any lost answer.
                let hold = plan.holdOnStart
                let started = try await control.interruptible(grace: interruptedStartGrace) {
                    () async throws(ApifyError) -> Run in
                    try await api.start(
                        plan.target, options: plan.options, input: plan.input, marker: plan.marker,
                        waitForFinish: hold)
                }
                if let started { return started }
                var cut = ApifyError(
                    kind: .cancelled,
                    message: "\(plan.target.failureAction): interrupted before the start's answer came")
                cut.mayHaveTakenEffect = true
                return try await findLostStart(plan, after: cut, events: events)
            } catch  where error.mayHaveTakenEffect {
                return try await findLostStart(plan, after: error, events: events)
            } catch  where plan.waitsForResources && error.isResourceLimit {
                control.enter(.notStarted)
                if let limit = plan.follow.waitLimit, clock.now() - began + pause > limit {
                    var failure = error
                    failure.message += "; --wait passed while waiting for resources"
                    throw failure
                }
                events(.waitingForResources(error, retryIn: pause))
                let clock = self.clock
                let delay = pause
                let slept: Void? = try await control.interruptible { () async throws(ApifyError) in
                    do {
                        try await clock.sleep(for: delay)
                    } catch {
                        throw ApifyError(kind: .cancelled, message: "interrupted")
                    }
                }
                if slept == nil { return nil }
                pause = min(pause * 2, resourceRetryCap)
            }
        }
    }

    /// Looks for the run a start may have created. A list that could not be read says "a run may exist" rather
    /// than "none was found": the user must check before paying for another.
    private func findLostStart(_ plan: CallPlan, after error: ApifyError, events: @Sendable (CallEvent) -> Void)
        async throws(ApifyError) -> Run
    {
        events(.lookingForLostStart(error))
        var lookupFailure: ApifyError?
        for delay in lostStartLookupDelays {
            do {
                try await clock.sleep(for: delay)
            } catch {
                break
            }
            do {
                if let run = try await api.findStartedRun(plan.target, marker: plan.marker) { return run }
                lookupFailure = nil
            } catch {
                if error.kind == .cancelled { break }
                lookupFailure = error
            }
        }
        var failure = error
        if let lookupFailure {
            failure.message +=
                "; a run may have started, but the runs could not be checked (\(lookupFailure.message)):"
                + " look at the newest runs of \(plan.target) before starting it again"
        } else {
            failure.message += "; no run started by this invocation was found among the newest runs"
        }
        throw failure
    }

    /// An interrupt came: abort the run (gracefully, then forcefully on a second interrupt) and wait for its
    /// final status, or leave it going when so asked.
    private func stop(_ run: Run, control: CallControl, events: @escaping @Sendable (CallEvent) -> Void)
        async throws(ApifyError) -> CallOutcome
    {
        if case .ended = control.phase { return .interruptedAfterEnd(run) }
        guard control.abortsOnInterrupt else { return .leftRunning(run) }
        control.enter(.ending(runID: run.id))
        let api = self.api
        let waiter = self.waiter
        var forced = control.interruptCount >= 2
        var last = run
        events(.aborting(runID: run.id, forced: forced))
        do {
            if !forced {
                let answer = try await control.interruptible(level: 2) { () async throws(ApifyError) -> Run in
                    try await api.abortRun(id: run.id, gracefully: true)
                }
                if let answer { last = answer }
                // A second interrupt forces the abort, also when the graceful one was already taken.
                forced = answer == nil || control.interruptCount >= 2
                if forced { events(.aborting(runID: run.id, forced: true)) }
            }
            if forced { last = try await api.abortRun(id: run.id, gracefully: false) }
        } catch {
            return .abortFailed(runID: run.id, error)
        }
        while !last.status.isTerminal {
            let level = forced ? 3 : 2
            let outcome: RunWaiter.Outcome?
            do {
                outcome = try await control.interruptible(level: level) {
                    () async throws(ApifyError) -> RunWaiter.Outcome in
                    try await waiter.wait(for: run.id)
                }
            } catch {
                // The abort was taken; only its confirmation is missing.
                return .abortedOnInterrupt(last)
            }
            switch outcome {
            case .finished(let final): last = final
            case .limitReached(let seen): last = seen ?? last
            case nil:
                forced = true
                events(.aborting(runID: run.id, forced: true))
                do {
                    last = try await api.abortRun(id: run.id, gracefully: false)
                } catch {
                    return .abortFailed(runID: run.id, error)
                }
            }
        }
        return .abortedOnInterrupt(last)
    }

    /// Attaches to a run started elsewhere (`actor-run wait`): reads it once, then follows it like a new one. An
    /// interrupt leaves the run going.
    public func attach(
        runID: String,
        _ plan: FollowPlan,
        destination: @escaping @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void,
        control: CallControl = CallControl(abortsOnInterrupt: false)
    ) async throws(ApifyError) -> CallOutcome {
        control.bind(events)
        return try await control.run(abandoned: {
            .abandoned(runID: $0.runID ?? runID, target: .resurrection(runID: runID), hasEnded: $0.isEnded)
        }) {
            () async throws(ApifyError) -> CallOutcome in
            let api = self.api
            guard
                let run = try await control.interruptible({ () async throws(ApifyError) in
                    try await api.getRun(id: runID, waitForFinish: 0)
                })
            else { return .interruptedBeforeStart(nil) }
            events(.attached(run))
            control.enter(run.status.isTerminal ? .ended(runID: run.id) : .started(runID: run.id))
            let latest = LatestRun(run)
            let outcome: CallOutcome?
            do throws(ApifyError) {
                outcome = try await control.interruptible { () async throws(ApifyError) -> CallOutcome in
                    try await follow(
                        run, plan, control: control, latest: latest, destination: destination, events: events)
                }
            } catch {
                throw error.namingRunStillGoing(latest.run, phase: control.phase)
            }
            guard let outcome else { return try await stop(latest.run, control: control, events: events) }
            return outcome
        }
    }

    /// Waits for the run to end (streaming its log meanwhile, if asked), then prints what the plan says.
    private func follow(
        _ first: Run,
        _ plan: FollowPlan,
        control: CallControl,
        latest: LatestRun,
        destination: @escaping @Sendable () throws -> any RecordDestination,
        events: @escaping @Sendable (CallEvent) -> Void
    ) async throws(ApifyError) -> CallOutcome {
        var run = first
        // The log of a run that already ended (within the start's hold) comes whole, and the stream ends.
        let logStream = plan.log.map { log in
            let safe = SanitizingDestination(log, text: api.serverText)
            return Task { [api] in _ = try? await api.streamLog(runID: first.id, follows: true, to: safe) }
        }
        // A run adopted from a runs list is the short object: read the whole one (the wait answers at once).
        if !first.status.isTerminal || first.json.isEmpty {
            let outcome: RunWaiter.Outcome
            do {
                outcome = try await waiter.wait(for: first.id, limit: plan.waitLimit, hold: plan.holdSeconds) {
                    run in
                    latest.run = run
                    if run.status.isTerminal { control.enter(.ended(runID: run.id)) }
                    if run.status != first.status || run.statusMessage != first.statusMessage {
                        events(.statusChanged(run))
                    }
                }
            } catch {
                logStream?.cancel()
                throw error
            }
            switch outcome {
            case .limitReached(let last):
                logStream?.cancel()
                return .stillRunning(last ?? first)
            case .finished(let finished): run = finished
            }
        }
        if let logStream { await finish(logStream) }
        do {
            return try await emit(run, plan.output, destination: destination, requiresSuccess: true)
        } catch  where run.status == .succeeded && error.kind != .cancelled {
            return .outputNotFetched(run, error)
        }
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
        case .outputObject:
            guard let object = run.outputObject else { return .recordMissing(run) }
            let info = try await write(Array(object) + [0x0A], to: destination)
            return .succeeded(run, info)
        case .recordOrItems(let key):
            let outcome = try await fetchRecord(of: run, key: key, destination: destination)
            guard case .recordMissing = outcome else { return outcome }
            return try await emit(
                run, .datasetItems(format: "json"), destination: destination, requiresSuccess: requiresSuccess)
        case .datasetItems(let format, let options):
            guard let datasetID = run.defaultDatasetId else {
                throw ApifyError(kind: .unexpectedResponse, message: "run \(run.id) has no default dataset")
            }
            let target = try open(destination)
            do {
                let info = try await api.streamDatasetItems(
                    datasetID: datasetID, format: format, options: options, to: target)
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

/// The newest state of the run seen while following it, for the abort that an interrupt starts.
final class LatestRun: Sendable {
    private let state: Mutex<Run>

    init(_ run: Run) {
        state = Mutex(run)
    }

    var run: Run {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

extension ApifyError {
    /// A failure while following a run that had not ended: the run goes on, and the message says how to get back
    /// to it, so that nobody starts (and pays for) another.
    func namingRunStillGoing(_ run: Run, phase: CallControl.Phase) -> ApifyError {
        if case .ended = phase { return self }
        var error = self
        error.message += "; run \(run.id) goes on: follow it with `actor-run wait \(run.id)`"
        return error
    }

    /// The platform's memory or concurrent-run limit: a start that may succeed once other runs end.
    public var isResourceLimit: Bool {
        status == 402
            && ["actor-memory-limit-exceeded", "concurrent-runs-limit-exceeded"].contains(type ?? "")
    }
}
