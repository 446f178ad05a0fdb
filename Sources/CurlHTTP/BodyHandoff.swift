import Dispatch
import Synchronization

/// Carries a body from the engine's thread to a sink that may block (a slow terminal, a full pipe, a disk), on
/// a queue of the transfer's own, so that the engine's one thread, which drives every other transfer too (the
/// long-poll beside a log stream), never waits on a write.
///
/// At most `highWater` bytes wait in the handoff: past that the transfer is paused (`CURL_WRITEFUNC_PAUSE`, libcurl
/// keeps the chunk and offers it again) and resumed once the sink has caught up to `lowWater`.
final class BodyHandoff: @unchecked Sendable {
    private struct State {
        var buffered = 0
        var isPaused = false
        var isAbandoned = false
        var error: (any Error & Sendable)?
    }

    static let highWater = 4 << 20
    static let lowWater = 1 << 20

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "actor-run.body")
    private let sink: any HTTPBodySink
    /// Asks the engine to resume the paused transfer (curl_easy_pause belongs on the engine's thread).
    private let resume: @Sendable () -> Void

    init(sink: any HTTPBodySink, resume: @escaping @Sendable () -> Void) {
        self.sink = sink
        self.resume = resume
    }

    /// The sink's first failure, if any: the transfer is then aborted.
    var error: (any Error & Sendable)? { state.withLock { $0.error } }

    func offer(head: HTTPResponseHead) {
        queue.async { [self] in
            guard state.withLock({ $0.error == nil && !$0.isAbandoned }) else { return }
            do {
                try sink.receive(head: head)
            } catch {
                fail(error)
            }
        }
    }

    /// On the engine's thread. Returns false when the transfer must pause: the chunk was not taken.
    func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let takes = state.withLock { state in
            if state.buffered >= Self.highWater {
                state.isPaused = true
                return false
            }
            state.buffered += bytes.count
            return true
        }
        guard takes else { return false }
        let chunk = [UInt8](bytes)
        queue.async { [self] in deliver(chunk) }
        return true
    }

    private func deliver(_ chunk: [UInt8]) {
        if state.withLock({ $0.error == nil && !$0.isAbandoned }) {
            do {
                try chunk.withUnsafeBytes { try sink.receive($0) }
            } catch {
                fail(error)
            }
        }
        let resumes = state.withLock { state in
            state.buffered -= chunk.count
            guard state.isPaused, state.buffered <= Self.lowWater else { return false }
            state.isPaused = false
            return true
        }
        if resumes { resume() }
    }

    private func fail(_ error: any Error) {
        let failure: any Error & Sendable = (error as? any Error & Sendable) ?? SinkFailure(description: "\(error)")
        state.withLock { state in
            if state.error == nil { state.error = failure }
        }
        // A paused transfer must wake up to learn that its sink failed.
        resume()
    }

    /// Runs `body` once every chunk offered so far has reached the sink, with the sink's failure if it had one.
    func whenDelivered(_ body: @escaping @Sendable ((any Error & Sendable)?) -> Void) {
        queue.async { [self] in body(error) }
    }

    /// The transfer was cancelled: chunks still waiting are dropped rather than written.
    func abandon() {
        state.withLock { $0.isAbandoned = true }
    }

    private struct SinkFailure: Error, Sendable, CustomStringConvertible {
        var description: String
    }
}
