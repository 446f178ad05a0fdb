import Dispatch
import Glibc
import Synchronization

/// Turns SIGINT, SIGTERM and SIGHUP into calls: before `arm`, a signal ends the process at once (nothing was sent
/// yet, and CProcessSetup's handler says so); from `arm` on, each signal goes to the handler the command armed
/// with, which for a run is its `CallControl`. A signal the parent left ignored stays ignored throughout.
///
/// The signals are taken over at the first `arm`, not in `init`: Dispatch's signal sources need a thread of their
/// own, and a thread made while libcurl is still loading would wait for the load. (`@unchecked`: `sources` is
/// written once, under the guard of `hasTakenOver`.)
final class Interrupts: @unchecked Sendable {
    private struct State {
        var handler: (@Sendable () -> Void)?
        var fallback: (@Sendable () -> Void)?
        /// A signal asked for the fallback before there was one: it runs as soon as it is set.
        var fallbackIsDue = false
        var count = 0
        var hasTakenOver = false
    }

    private let state = Mutex(State())
    /// Kept alive here; written once, by the `arm` that takes the signals over, and never read.
    private var sources: [any DispatchSourceSignal] = []

    /// What an armed signal does when the command gave no handler of its own: cancel the command's work.
    func setFallback(_ action: @escaping @Sendable () -> Void) {
        let isDue = state.withLock { state in
            state.fallback = action
            return state.fallbackIsDue
        }
        if isDue { action() }
    }

    /// From now on a signal no longer ends the process: a request may be in flight, and what it did must be
    /// reported (or undone). Without a handler, the first signal cancels the work and a second exits at once.
    func arm(_ handler: (@Sendable () -> Void)? = nil) {
        let takesOver = state.withLock { state in
            state.handler = handler ?? { [weak self] in self?.cancelThenExit() }
            defer { state.hasTakenOver = true }
            return !state.hasTakenOver
        }
        if takesOver { takeOver() }
    }

    private func takeOver() {
        let registered = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM, SIGHUP] where !Self.isIgnored(number) {
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.deliver() }
            source.setRegistrationHandler { registered.signal() }
            sources.append(source)
        }
        self.sources = sources
        for source in sources { source.resume() }
        // Dispatch registers a source on a thread of its own, and puts its handler in place of CProcessSetup's
        // there. Until then a signal still ends the process as "nothing was started", which is true as long as
        // `arm` has not returned: so it returns, and the command sends its request, only once all three are in
        // (it takes well under a millisecond; the bound is for a source Dispatch could not register at all).
        let deadline = DispatchTime.now() + .seconds(10)
        for _ in sources { _ = registered.wait(timeout: deadline) }
    }

    /// Whether the signal is ignored: only when the parent left it so (nohup's SIGHUP, the SIGINT of a
    /// non-interactive shell's `command &`), which CProcessSetup keeps. It is not meant for this process.
    private static func isIgnored(_ number: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(number, nil, &current) == 0 else { return false }
        // SIG_IGN is the handler 1.
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1
    }

    private func cancelThenExit() {
        let (count, fallback) = state.withLock { state in
            state.count += 1
            if state.count == 1 && state.fallback == nil { state.fallbackIsDue = true }
            return (state.count, state.fallback)
        }
        guard count == 1 else {
            // At once: not `exit`, whose handlers (OpenSSL's) would race the threads still inside libcurl.
            fflush(nil)
            _exit(ExitStatus.interrupted.rawValue)
        }
        fallback?()
    }

    /// A signal source's event: only armed commands have sources.
    private func deliver() {
        state.withLock { $0.handler }?()
    }
}
