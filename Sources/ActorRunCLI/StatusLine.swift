import ApifyClient
import Dispatch
import FoundationEssentials
import Glibc
import Synchronization

/// One line at the bottom of a terminal, redrawn in place while a run goes: its ID, status, elapsed time and latest
/// status message. Every other line for stderr (status lines, the run's log) is printed above it, so nothing is
/// torn. Only on a terminal: never with `-q`, `TERM=dumb`, or stderr to a file or pipe.
final class StatusLine: @unchecked Sendable {
    private struct State {
        var runID: String?
        var status: String?
        var message: String?
        var began = ContinuousClock.now
        var isShown = false
        var isStopped = false
    }

    private let state = Mutex(State())
    private let timer: any DispatchSourceTimer

    /// A status line for this process, when stderr is a terminal that can take one. Its clock starts now, as the
    /// start goes out.
    static func forTerminal(isQuiet: Bool) -> StatusLine? {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        guard !isQuiet, isatty(STDERR_FILENO) == 1, term != "dumb", !term.isEmpty else { return nil }
        return StatusLine()
    }

    private init() {
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in self?.redraw() }
        timer.resume()
    }

    deinit {
        timer.cancel()
    }

    /// The run's latest state, from its start or a wait.
    func update(_ run: Run) {
        state.withLock { state in
            state.runID = run.id
            state.status = run.status.rawValue
            state.message = run.statusMessage.flatMap { $0.isEmpty ? nil : $0 }
        }
        redraw()
    }

    /// Prints whole lines above the status line.
    func printAbove(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            if state.isShown { FileDescriptorWriter.write("\r\u{1B}[K", to: STDERR_FILENO) }
            _ = try? FileDescriptorWriter.write(bytes, to: STDERR_FILENO)
            state.isShown = false
            if !state.isStopped { draw(&state) }
        }
    }

    /// Clears the line for good: the run is over, or the process is about to print its last words.
    func stop() {
        timer.cancel()
        state.withLock { state in
            if state.isShown { FileDescriptorWriter.write("\r\u{1B}[K", to: STDERR_FILENO) }
            state.isShown = false
            state.isStopped = true
        }
    }

    private func redraw() {
        state.withLock { state in
            guard !state.isStopped else { return }
            draw(&state)
        }
    }

    private func draw(_ state: inout State) {
        guard let runID = state.runID, let status = state.status else { return }
        let seconds = Int((ContinuousClock.now - state.began).components.seconds)
        var line = "actor-run: run \(runID) \(status) \(seconds / 60):" + zeroPadded(seconds % 60, width: 2)
        if let message = state.message { line += " · " + message }
        let width = Self.columns()
        if line.count > width - 1 { line = String(line.prefix(max(0, width - 2))) + "…" }
        FileDescriptorWriter.write("\r\u{1B}[K" + line, to: STDERR_FILENO)
        state.isShown = true
    }

    private static func columns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 10 else { return 80 }
        return Int(size.ws_col)
    }
}

/// The run's log on a terminal: printed above the status line, line by line.
final class StatusLineLog: RecordDestination, @unchecked Sendable {
    private let line: StatusLine

    init(_ line: StatusLine) {
        self.line = line
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws { line.printAbove(bytes) }
    func commit() throws {}
    func discard() {}
}
