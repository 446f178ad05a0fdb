import Foundation

/// The account limits a user may set (`PUT /v2/users/me/limits`): the platform lets only these two change.
struct AdjustableLimits: Sendable, Equatable {
    /// No cap by default, like an account without one: a large number, since the schema wants a number.
    var maxMonthlyUsageUsd: Double = 1_000_000
    /// The Free plan's retention; it changes nothing in the emulator, which keeps everything in memory.
    var dataRetentionDays = 7
}

/// What the account uses right now, for `GET /v2/users/me/limits`'s `current`.
struct CurrentUsage: Sendable, Equatable {
    /// Memory of READY and RUNNING runs, as the memory limit counts it.
    var actorMemoryMbytes: Int
    /// Runs not yet terminal, as the concurrent-runs limit counts them.
    var activeActorJobCount: Int
    var actorCount: Int
    var actorTaskCount: Int
}

extension EmulatorState {
    /// The memory and the jobs the limits count, in one turn of the actor so the two agree.
    func currentUsage() -> CurrentUsage {
        let going = runs.going
        let memory = going.filter { $0.status == .ready || $0.status == .running }.reduce(0) {
            $0 + $1.options.memoryMbytes
        }
        return CurrentUsage(
            actorMemoryMbytes: memory, activeActorJobCount: going.count, actorCount: actorCount,
            actorTaskCount: taskCount)
    }

    func setAdjustableLimits(_ limits: AdjustableLimits) {
        adjustableLimits = limits
    }
}
