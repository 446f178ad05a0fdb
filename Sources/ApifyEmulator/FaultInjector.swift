/// Decides which injected fault, if any, hits a request, and counts the hits (`xN`, `skip=N`).
///
/// Rules from `EmulatorConfiguration.faults` apply to every request; an actor's own `faults` only to requests
/// about that actor. Rules are tried in order; the first that matches, is past its `skip` and still has hits left
/// wins.
actor FaultInjector {
    /// A rule with its counters: matching requests seen, and hits dealt.
    private struct Slot {
        let rule: FaultRule
        /// nil for a global rule.
        let actorID: String?
        var seen = 0
        var hits = 0
    }

    private var slots: [Slot]
    /// False when no rule exists, so the responder can skip finding the request's actor.
    nonisolated let hasRules: Bool

    init(global: [FaultRule], actors: [ActorDefinition]) {
        var slots = global.map { Slot(rule: $0, actorID: nil) }
        for actor in actors {
            let rules = (try? FaultRule.parse(actor.faults ?? "")) ?? []
            slots += rules.map { Slot(rule: $0, actorID: actor.id) }
        }
        self.slots = slots
        hasRules = !slots.isEmpty
    }

    /// The counted fault that hits this request, consuming one hit.
    ///
    /// Every matching rule counts the request as seen, also when an earlier rule wins it: `skip=N` means the first N
    /// requests matching the rule, whoever answered them, so `429; close-after skip=1` hits the first and the second.
    func hit(method: String, path: String, actorID: String?) -> FaultRule? {
        var winner: FaultRule?
        for index in slots.indices {
            let slot = slots[index]
            if case .notFoundAfterStart = slot.rule.action { continue }
            guard slot.actorID == nil || slot.actorID == actorID, slot.rule.matches(method: method, path: path)
            else { continue }
            slots[index].seen += 1
            guard winner == nil, slots[index].seen > slot.rule.skip else { continue }
            if let count = slot.rule.count, slot.hits >= count { continue }
            slots[index].hits += 1
            winner = slot.rule
        }
        return winner
    }

    /// The longest 404-after-start window that applies to this request, in milliseconds.
    func notFoundWindow(method: String, path: String, actorID: String?) -> Int? {
        slots.compactMap { slot -> Int? in
            guard case .notFoundAfterStart(let millis) = slot.rule.action,
                slot.actorID == nil || slot.actorID == actorID, slot.rule.matches(method: method, path: path)
            else { return nil }
            return millis
        }.max()
    }
}
