import Dispatch
import Glibc
import Synchronization

/// Turns SIGINT, SIGTERM and SIGHUP into calls: before `arm`, a signal ends the process at once (nothing was sent
/// yet); after it, each signal goes to the handler the command armed with, which for a run is its `CallControl`.
/// (`@unchecked`: the signal sources are only kept alive here, never touched after `init`.)
final class Interrupts: @unchecked Sendable {
    private struct State {
        var handler: (@Sendable () -> Void)?
        var fallback: (@Sendable () -> Void)?
        var count = 0
    }

    private let state = Mutex(State())
    private let sources: [any DispatchSourceSignal]

    init() {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [weak self] in self?.deliver() }
            source.resume()
        }
    }

    /// What an armed signal does when the command gave no handler of its own: cancel the command's work.
    func setFallback(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.fallback = action }
    }

    /// From now on a signal no longer ends the process: a request may be in flight, and what it did must be
    /// reported (or undone). Without a handler, the first signal cancels the work and a second exits at once.
    func arm(_ handler: (@Sendable () -> Void)? = nil) {
        state.withLock { state in
            state.handler = handler ?? { [weak self] in self?.cancelThenExit() }
        }
    }

    private func cancelThenExit() {
        let (count, fallback) = state.withLock { state in
            state.count += 1
            return (state.count, state.fallback)
        }
        guard count == 1 else { exit(ExitStatus.interrupted.rawValue) }
        fallback?()
    }

    private func deliver() {
        guard let handler = state.withLock({ $0.handler }) else {
            // Nothing was sent yet (the input is still being read): end at once, leaving nothing behind.
            FileDescriptorWriter.write("actor-run: interrupted before any run was started\n", to: STDERR_FILENO)
            exit(ExitStatus.interrupted.rawValue)
        }
        handler()
    }
}
