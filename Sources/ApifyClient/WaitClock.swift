/// Time as the wait loop sees it, injected so that tests of long waits run instantly and deterministically.
public protocol WaitClock: Sendable {
    /// A monotonic reading; only differences between readings mean anything.
    func now() -> Duration
    /// Sleeps, or throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock: monotonic, and unaffected by changes to the wall clock.
public struct SystemWaitClock: WaitClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Duration { ContinuousClock.now - origin }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
