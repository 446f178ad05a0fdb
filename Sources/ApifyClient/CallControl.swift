import Synchronization

/// Where one call stands, and what interrupts do to it: the small state machine that owns the promises made
/// about Ctrl-C.
///
/// ```
/// notStarted ──start sent──▶ starting ──answer or lookup──▶ started(run) ──run ended──▶ ended
///                               │ interrupt: noted; the run is     │ interrupt: wait cancelled,
///                               │ aborted once its ID is known     ▼ abort sent
///                               └──────────────────────────────▶ ending(run)
/// ```
/// The first interrupt cancels what can be cancelled (a wait, a download, a pause) but never the start itself:
/// its answer names the run to abort. The second forces the abort. The third ends the call at once, naming the run
/// and how to check on it. The CLI only delivers signals here (`interrupt()`) and renders the events.
public final class CallControl: Sendable {
    public enum Phase: Sendable, Equatable {
        case notStarted
        /// The start is out and its answer (or the lookup after a lost one) not in yet.
        case starting
        case started(runID: String)
        /// The run is being aborted.
        case ending(runID: String)
        /// The run has ended; what is left is writing its output.
        case ended(runID: String)

        /// The run has ended: what is left is writing its output.
        public var isEnded: Bool {
            if case .ended = self { return true }
            return false
        }

        public var runID: String? {
            switch self {
            case .notStarted, .starting: return nil
            case .started(let id), .ending(let id), .ended(let id): return id
            }
        }
    }

    private struct State {
        var phase = Phase.notStarted
        var interrupts = 0
        /// Cancels the interruptible work in flight, and the interrupt count that does it.
        var scope: (level: Int, cancel: @Sendable () -> Void)?
        /// Ends the call at once (the third interrupt).
        var giveUp: (@Sendable () -> Void)?
        var events: (@Sendable (CallEvent) -> Void)?
    }

    /// Whether an interrupt aborts the run (the default) or leaves it going (`--no-abort-on-interrupt`).
    public let abortsOnInterrupt: Bool
    private let state = Mutex(State())

    public init(abortsOnInterrupt: Bool = true) {
        self.abortsOnInterrupt = abortsOnInterrupt
    }

    public var phase: Phase { state.withLock { $0.phase } }
    public var interruptCount: Int { state.withLock { $0.interrupts } }

    /// A signal arrived (SIGINT, SIGTERM, SIGHUP). Safe to call from any thread, any number of times.
    public func interrupt() {
        let (count, phase, scope, giveUp, events) = state.withLock { state in
            state.interrupts += 1
            return (state.interrupts, state.phase, state.scope, state.giveUp, state.events)
        }
        if count >= 3 {
            giveUp?()
            return
        }
        if count == 1, phase == .starting { events?(.interruptedWhileStarting(abortsRun: abortsOnInterrupt)) }
        if let scope, count >= scope.level { scope.cancel() }
    }

    func enter(_ phase: Phase) {
        state.withLock { $0.phase = phase }
    }

    func bind(_ events: @escaping @Sendable (CallEvent) -> Void) {
        state.withLock { $0.events = events }
    }

    /// Runs `body`, which an interrupt count of `level` or more cancels (after `grace`, if given): then `nil`,
    /// else its result.
    func interruptible<T: Sendable>(
        level: Int = 1, grace: Duration? = nil, _ body: @escaping @Sendable () async throws(ApifyError) -> T
    ) async throws(ApifyError) -> T? {
        let task = Task { () async -> Result<T, ApifyError> in
            do throws(ApifyError) {
                return .success(try await body())
            } catch {
                return .failure(error)
            }
        }
        let cancel: @Sendable () -> Void = {
            guard let grace else { return task.cancel() }
            Task {
                try? await Task.sleep(for: grace)
                task.cancel()
            }
        }
        let isInterrupted = state.withLock { state in
            if state.interrupts >= level { return true }
            state.scope = (level, cancel)
            return false
        }
        if isInterrupted { cancel() }
        let result = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        let wasCancelled = state.withLock { state in
            state.scope = nil
            return state.interrupts >= level
        }
        switch result {
        case .success(let value): return value
        case .failure(let error) where wasCancelled && error.kind == .cancelled: return nil
        case .failure(let error): throw error
        }
    }

    /// Runs the whole call; a third interrupt ends it at once with `abandoned(phase)` while the work is cancelled.
    func run(
        abandoned: @escaping @Sendable (Phase) -> CallOutcome,
        _ body: @escaping @Sendable () async throws(ApifyError) -> CallOutcome
    ) async throws(ApifyError) -> CallOutcome {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<CallOutcome, ApifyError>, Never>) in
            let once = ResumeOnce(continuation)
            let task = Task {
                do throws(ApifyError) {
                    once.resume(.success(try await body()))
                } catch {
                    once.resume(.failure(error))
                }
            }
            let giveUp: @Sendable () -> Void = { [self] in
                once.resume(.success(abandoned(phase)))
                task.cancel()
            }
            let isGivenUp = state.withLock { state in
                state.giveUp = giveUp
                return state.interrupts >= 3
            }
            if isGivenUp { giveUp() }
        }
        return try result.get()
    }
}

/// A continuation that the first of several racers resumes.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Never>?>(nil)

    init(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(_ value: T) {
        let pending = continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        pending?.resume(returning: value)
    }
}
