/// Waits for a run to end with the server's long-poll: each request asks the server to hold its answer until
/// the run ends or up to 60 s pass, so a finished run is seen at once and no time is spent sleeping.
public struct RunWaiter: Sendable {
    /// The server's hold limit (`MAX_ACTOR_JOB_ASYNC_WAIT_SECS`); asking for more is clamped anyway.
    public static let longPollSeconds = 60

    private let api: ApifyAPI
    private let clock: any WaitClock
    /// How long a run that was just started may answer 404 (the API's replicas lag behind its primary).
    public var notFoundGrace: Duration = .seconds(10)
    public var notFoundRetryDelay: Duration = .milliseconds(250)
    /// Guard against a server that answers long-polls at once: polls are never closer than this.
    public var minimumPollInterval: Duration = .milliseconds(500)

    /// How a wait ended.
    public enum Outcome: Sendable, Equatable {
        /// The run reached a terminal status.
        case finished(Run)
        /// The client's own limit passed first; the run goes on. Holds the last state seen, if any.
        case limitReached(Run?)
    }

    public init(api: ApifyAPI, clock: any WaitClock = SystemWaitClock()) {
        self.api = api
        self.clock = clock
    }

    /// Waits until the run ends or `limit` passes; `onChange` sees each new status or status message.
    /// - Parameter hold: the longest the server may hold one request, in seconds (at most 60).
    public func wait(
        for runID: String,
        limit: Duration? = nil,
        hold: Int = RunWaiter.longPollSeconds,
        onChange: @Sendable (Run) -> Void = { _ in }
    ) async throws(ApifyError) -> Outcome {
        let start = clock.now()
        var lastSeen: Run?
        var notFoundSince: Duration?
        while true {
            var seconds = max(1, min(hold, Self.longPollSeconds))
            if let limit {
                let remaining = limit - (clock.now() - start)
                guard remaining > .zero else { return .limitReached(lastSeen) }
                seconds = min(seconds, Int((remaining.seconds).rounded(.up)))
            }
            let polledAt = clock.now()
            do {
                let run = try await api.getRun(id: runID, waitForFinish: seconds)
                notFoundSince = nil
                if run.status != lastSeen?.status || run.statusMessage != lastSeen?.statusMessage { onChange(run) }
                lastSeen = run
                if run.status.isTerminal { return .finished(run) }
                let elapsed = clock.now() - polledAt
                if elapsed < minimumPollInterval { try await sleep(minimumPollInterval - elapsed) }
            } catch  where error.kind == .notFound && lastSeen == nil {
                let now = clock.now()
                let since = notFoundSince ?? now
                notFoundSince = since
                guard now - since < notFoundGrace else { throw error }
                try await sleep(notFoundRetryDelay)
            }
        }
    }

    private func sleep(_ duration: Duration) async throws(ApifyError) {
        do {
            try await clock.sleep(for: duration)
        } catch {
            throw ApifyError(kind: .cancelled, message: "interrupted")
        }
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
