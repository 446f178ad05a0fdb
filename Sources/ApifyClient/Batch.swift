import Synchronization

/// One input of a batch: its 1-based line number in the inputs file, and the input itself.
public struct BatchLine: Sendable {
    public var number: Int
    public var input: RunInput

    public init(number: Int, input: RunInput) {
        self.number = number
        self.input = input
    }
}

/// What a batch runs, how many at once, and what a re-run does with lines that did not succeed.
public struct BatchPlan: Sendable {
    public var target: RunTarget
    public var options: RunOptions
    /// At most this many runs unfinished at any moment.
    public var parallel: Int
    /// Run again the lines whose run ended FAILED, TIMED-OUT or ABORTED (`--retry-failed`).
    public var retriesFailed: Bool
    /// What each line prints once its run has ended (a record, by default `OUTPUT`).
    public var output: RunOutput
    /// The start of every line's marker (`User-Agent`); the line number and a nonce follow.
    public var markerPrefix: String
    /// Seconds the server may hold each start until its run ends (see `CallPlan.startHold`).
    public var startHold: Int

    public init(
        target: RunTarget, options: RunOptions = RunOptions(), parallel: Int = 4, retriesFailed: Bool = false,
        output: RunOutput = .record(key: "OUTPUT"), markerPrefix: String, startHold: Int = 2
    ) {
        self.target = target
        self.options = options
        self.parallel = parallel
        self.retriesFailed = retriesFailed
        self.output = output
        self.markerPrefix = markerPrefix
        self.startHold = startHold
    }
}

/// What happened to the batch, for the CLI to show.
public enum BatchEvent: Sendable {
    case lineStarted(line: Int, Run)
    /// An earlier run of the batch already did this line (it SUCCEEDED, or it failed and `--retry-failed` is off).
    case lineSkipped(line: Int, status: String)
    /// The line is over: its outcome (the run's end, or why it has none).
    case lineEnded(line: Int, CallOutcome)
    case lineFailed(line: Int, ApifyError)
    /// A 402 limit: fewer runs at once for now; the line waits its turn again.
    case slowedDown(parallel: Int, ApifyError)
    /// The account's limits leave room for fewer runs than `--parallel` asked: this many at once.
    case capped(parallel: Int, reason: String)
}

/// How a batch ended.
public struct BatchSummary: Sendable, Equatable {
    public var succeeded: [Int] = []
    /// Lines whose run ended otherwise, or that could not run at all.
    public var failed: [Int] = []
    /// Lines an earlier run of the batch had already done (counted in `succeeded` or `failed` too).
    public var skipped = 0
    public var isInterrupted = false
    /// A failure that stopped the whole batch (no token, no such actor): the CLI exits with its code.
    public var stoppedBy: ApifyError?
}

/// Runs one actor over many inputs from one process: at most `parallel` runs unfinished at once, all on one
/// API client (one libcurl multi handle, its connections shared), each line an `ActorCall` with every guarantee
/// of a single run, and a `BatchJournal` that makes a re-run resume instead of repeating.
public final class BatchRunner: Sendable {
    private struct State {
        var controls: [Int: CallControl] = [:]
        var interrupts = 0
        var limit: Int
    }

    private let api: ApifyAPI
    private let clock: any WaitClock
    private let plan: BatchPlan
    private let journal: BatchJournal?
    private let state: Mutex<State>
    /// The first pause when a 402 limit refuses a start and no run of the batch is going (nothing to wait for).
    private let refusedRetryDelay: Duration

    public init(
        api: ApifyAPI, plan: BatchPlan, journal: BatchJournal?, clock: any WaitClock = SystemWaitClock(),
        refusedRetryDelay: Duration = .seconds(2)
    ) {
        self.refusedRetryDelay = refusedRetryDelay
        self.api = api
        self.clock = clock
        self.plan = plan
        self.journal = journal
        self.state = Mutex(State(limit: max(1, plan.parallel)))
    }

    /// A signal: the first stops new starts and aborts every run in flight gracefully, the second forcefully, the
    /// third ends every line at once.
    public func interrupt() {
        let controls = state.withLock { state in
            state.interrupts += 1
            return Array(state.controls.values)
        }
        controls.forEach { $0.interrupt() }
    }

    private var isInterrupted: Bool { state.withLock { $0.interrupts > 0 } }

    /// What a line task tells the scheduler.
    private enum LineResult: Sendable {
        case done
        /// Refused by a 402 limit before any run existed: try it again later.
        case refused(BatchLine, ApifyError)
        /// A failure that will fail every line alike.
        case fatal(ApifyError)
    }

    /// Runs every line `next` yields, in order of the file, as parallelism allows.
    /// - Parameters:
    ///   - next: the next line of the inputs, or nil at the end (read lazily: memory stays flat in the line count).
    ///   - destination: where a line's output goes; made only once its run SUCCEEDED.
    ///   - finish: called once a line's run has ended and its output is written; returns the output's file name for
    ///     the journal (or nil). The journal records the end only after it.
    public func run(
        next: @escaping @Sendable () throws(ApifyError) -> BatchLine?,
        destination: @escaping @Sendable (Int) throws -> any RecordDestination,
        finish: @escaping @Sendable (Int, CallOutcome) async -> String?,
        events: @escaping @Sendable (BatchEvent) -> Void
    ) async -> BatchSummary {
        await capToTheAccount(events)
        let summary = SummaryBox()
        var waiting: [BatchLine] = []
        var pause = refusedRetryDelay
        var exhausted = false
        await withTaskGroup(of: LineResult.self) { group in
            var running = 0
            func settle(_ result: LineResult) {
                running -= 1
                switch result {
                case .done:
                    state.withLock { $0.limit = min(plan.parallel, $0.limit + 1) }
                    pause = refusedRetryDelay
                case .refused(let line, let error):
                    waiting.append(line)
                    let lowered = state.withLock { state in
                        state.limit = max(1, min(state.limit, running))
                        return state.limit
                    }
                    events(.slowedDown(parallel: lowered, error))
                case .fatal(let error):
                    summary.value.withLock { if $0.stoppedBy == nil { $0.stoppedBy = error } }
                }
            }
            while !isInterrupted && summary.value.withLock({ $0.stoppedBy == nil }) {
                let limit = state.withLock { $0.limit }
                if running >= limit {
                    guard let result = await group.next() else { break }
                    settle(result)
                    continue
                }
                var line: BatchLine?
                if !waiting.isEmpty {
                    if running == 0 {
                        // Refused with nothing of ours going: only time frees the account's resources.
                        try? await clock.sleep(for: pause)
                        pause = min(pause * 2, .seconds(30))
                    } else if state.withLock({ $0.limit }) <= running {
                        continue
                    }
                    line = waiting.removeFirst()
                } else if !exhausted {
                    do throws(ApifyError) {
                        line = try next()
                    } catch {
                        summary.value.withLock { $0.stoppedBy = error }
                        break
                    }
                    if line == nil { exhausted = true }
                }
                guard let line else {
                    guard let result = await group.next() else { break }
                    settle(result)
                    continue
                }
                running += 1
                group.addTask { [self] in
                    await runLine(line, summary: summary, destination: destination, finish: finish, events: events)
                }
            }
            for await result in group {
                running += 1
                settle(result)
            }
        }
        return summary.value.withLock { summary in
            summary.isInterrupted = isInterrupted
            summary.succeeded.sort()
            summary.failed.sort()
            return summary
        }
    }

    /// Reads the account's limits, when the API has them, and starts no more runs at once than they leave room
    /// for (memory per run × runs ≤ the free memory; runs ≤ the free concurrent-run slots).
    private func capToTheAccount(_ events: @Sendable (BatchEvent) -> Void) async {
        let room = await api.accountRoom()
        var cap = plan.parallel
        var reasons: [String] = []
        if let memory = plan.options.memoryMegabytes, let free = room.memoryMegabytes, free / memory < cap {
            cap = max(1, free / memory)
            reasons.append("\(free) MB of the account's memory is free, \(memory) MB a run")
        }
        if let free = room.runs, free < cap {
            cap = max(1, free)
            reasons.append("\(free) concurrent runs are free")
        }
        guard cap < plan.parallel else { return }
        state.withLock { $0.limit = cap }
        events(.capped(parallel: cap, reason: reasons.joined(separator: "; ")))
    }

    private func runLine(
        _ line: BatchLine,
        summary: SummaryBox,
        destination: @escaping @Sendable (Int) throws -> any RecordDestination,
        finish: @escaping @Sendable (Int, CallOutcome) async -> String?,
        events: @escaping @Sendable (BatchEvent) -> Void
    ) async -> LineResult {
        let number = line.number
        let known = journal?.state(of: number)
        if let status = known?.status {
            let succeeded = status == RunStatus.succeeded.rawValue
            if succeeded || !plan.retriesFailed {
                summary.value.withLock {
                    $0.skipped += 1
                    if succeeded { $0.succeeded.append(number) } else { $0.failed.append(number) }
                }
                events(.lineSkipped(line: number, status: status))
                return .done
            }
        }
        let control = CallControl()
        let isInterrupted = state.withLock { state in
            state.controls[number] = control
            return state.interrupts > 0
        }
        defer { _ = state.withLock { $0.controls.removeValue(forKey: number) } }
        if isInterrupted { return .done }
        let call = ActorCall(api: api, clock: clock)
        let follow = FollowPlan(output: plan.output)
        let lineEvents: @Sendable (CallEvent) -> Void = { [journal] event in
            switch event {
            case .started(let run), .attached(let run):
                if known?.runID != run.id { try? journal?.started(line: number, runID: run.id) }
                events(.lineStarted(line: number, run))
            default: break
            }
        }
        let outcome: CallOutcome
        do {
            if let runID = try await runToAttach(known, line: number), !(known?.status != nil) {
                outcome = try await call.attach(
                    runID: runID, follow, destination: { try destination(number) }, events: lineEvents,
                    control: control)
            } else {
                let marker = "\(plan.markerPrefix) line \(number) \(Self.nonce())"
                try journal?.starting(line: number, marker: marker)
                var callPlan = CallPlan(target: plan.target, options: plan.options, input: line.input, follow: follow)
                callPlan.marker = marker
                callPlan.startHold = plan.startHold
                outcome = try await call.perform(
                    callPlan, control: control, destination: { try destination(number) }, events: lineEvents)
            }
        } catch {
            if error.isResourceLimit && !self.isInterrupted { return .refused(line, error) }
            summary.value.withLock { $0.failed.append(number) }
            events(.lineFailed(line: number, error))
            if [.unauthorized, .notFound, .refusedForNow].contains(error.kind) && known?.runID == nil {
                return .fatal(error)
            }
            return .done
        }
        let file = await finish(number, outcome)
        // A run whose output was not written (a cut download, an interrupt while writing) stays "started" in the
        // journal: a re-run attaches to it and fetches the output, without a new run.
        var isWritten = true
        switch outcome {
        case .outputNotFetched, .interruptedAfterEnd: isWritten = false
        default: break
        }
        if let run = outcome.endedRun, isWritten {
            try? journal?.ended(line: number, runID: run.id, status: run.status.rawValue, file: file)
        }
        summary.value.withLock {
            if case .succeeded = outcome { $0.succeeded.append(number) } else { $0.failed.append(number) }
        }
        events(.lineEnded(line: number, outcome))
        return .done
    }

    /// The run an earlier, killed invocation started for this line: by its ID, or found by the start's marker.
    private func runToAttach(_ known: BatchJournal.LineState?, line: Int) async throws(ApifyError) -> String? {
        guard let known, known.status == nil || plan.retriesFailed == false else { return nil }
        if let runID = known.runID { return runID }
        guard let marker = known.marker else { return nil }
        // Killed after the marker was written: the start may or may not have gone out. Look twice, a second apart
        // (the runs list may lag the start), before starting the line anew.
        if let run = try await api.findStartedRun(plan.target, marker: marker) { return run.id }
        try? await clock.sleep(for: .seconds(1))
        return try await api.findStartedRun(plan.target, marker: marker)?.id
    }

    private static func nonce() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }
}

/// The summary being built, shared by the line tasks.
private final class SummaryBox: Sendable {
    let value = Mutex(BatchSummary())
}

extension CallOutcome {
    /// The run as it ended, when the outcome has one that ended.
    public var endedRun: Run? {
        switch self {
        case .succeeded(let run, _), .ended(let run), .recordMissing(let run), .outputNotFetched(let run, _),
            .interruptedAfterEnd(let run):
            return run
        case .abortedOnInterrupt(let run) where run.status.isTerminal:
            return run
        default:
            return nil
        }
    }
}
