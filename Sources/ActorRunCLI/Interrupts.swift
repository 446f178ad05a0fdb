import Dispatch
import Glibc
import Synchronization

/// Turns SIGINT and SIGTERM into actions: the first cancels the work in flight (which stops any transfer within
/// a second), later ones run whatever the command registered for them (a forced abort of its run).
/// (`@unchecked`: the signal sources are only kept alive here, never touched after `init`.)
final class Interrupts: @unchecked Sendable {
    private struct State {
        var count = 0
        var isArmed = false
        var onFirst: (@Sendable () -> Void)?
        var onRepeat: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    private let sources: [any DispatchSourceSignal]

    init() {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [weak self] in self?.deliver() }
            source.resume()
        }
    }

    /// From now on an interrupt cancels the work instead of ending the process: a request may be in flight,
    /// and what it did must be reported (or undone).
    func arm() {
        state.withLock { $0.isArmed = true }
    }

    func onFirst(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.onFirst = action }
    }

    func onRepeat(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.onRepeat = action }
    }

    private func deliver() {
        let (action, isArmed) = state.withLock { state in
            state.count += 1
            return (state.count == 1 ? state.onFirst : state.onRepeat, state.isArmed)
        }
        guard isArmed else {
            // Nothing was sent yet (the input is still being read): end at once, leaving nothing behind.
            FileDescriptorWriter.write("actor-run: interrupted before any run was started\n", to: STDERR_FILENO)
            exit(ExitStatus.interrupted.rawValue)
        }
        action?()
    }
}
