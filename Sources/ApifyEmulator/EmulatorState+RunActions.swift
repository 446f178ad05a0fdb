import Foundation

/// What else can be done to a run: set its status message, delete it, reboot, metamorph, and charge events.
extension EmulatorState {
    /// Sets the status message and general access; unlike the executor's updates this works on a finished run too,
    /// as the platform lets an actor leave a last message.
    func setRunStatus(
        _ id: String, statusMessage: String?, isTerminal: Bool?, generalAccess: String?
    ) throws(APIError) -> ActorRun {
        guard var run = runs[id] else { throw .runNotFound }
        if let statusMessage {
            run.statusMessage = statusMessage
            run.isStatusMessageFromActor = true
        }
        if let isTerminal { run.isStatusMessageTerminal = isTerminal }
        if let generalAccess { run.generalAccess = generalAccess }
        runs[id] = run
        notifyChange(of: id)
        return run
    }

    /// Deletes a finished run and its default storages; a run still going is 400, as on the platform.
    func deleteRun(_ id: String) throws(APIError) {
        guard let run = runs[id] else { throw .runNotFound }
        guard run.status.isTerminal else {
            throw APIError(
                status: .badRequest, type: "invalid-request",
                message: "Only a finished run can be deleted; run \(id) is \(run.status.rawValue).")
        }
        runs[id] = nil
        stores[run.defaultKeyValueStoreId] = nil
        datasets[run.defaultDatasetId] = nil
        queues[run.defaultRequestQueueId] = nil
        notifyChange(of: id)
    }

    /// Restarts a RUNNING run's container: the steps play again from the start, with the same storages.
    func rebootRun(_ id: String) throws(APIError) -> ActorRun {
        guard var run = runs[id] else { throw .runNotFound }
        guard run.status == .running else {
            throw APIError(
                status: .badRequest, type: "invalid-request",
                message: "Only a running run can be rebooted; run \(id) is \(run.status.rawValue).")
        }
        guard let actor = actor(id: run.actorId) else { throw .actorNotFound }
        run.rebootCount += 1
        run.generation += 1
        run.logLines.append(Timestamp.logLine("ACTOR: Run rebooted", at: Date()))
        runs[id] = run
        execute(run, actor: actor, input: stores[run.defaultKeyValueStoreId]?["INPUT"], startsRunning: true)
        notifyChange(of: id)
        return run
    }

    /// Turns a RUNNING run into a run of `target`: same ID and storages, the new input under `INPUT-METAMORPH-N`,
    /// at most ``maxMetamorphs`` times.
    func metamorphRun(_ id: String, into target: ActorDefinition, build: ResolvedBuild, input: StoredRecord?)
        throws(APIError) -> ActorRun
    {
        guard var run = runs[id] else { throw .runNotFound }
        guard run.status == .running else {
            throw APIError(
                status: .badRequest, type: "invalid-request",
                message: "Only a running run can be metamorphed; run \(id) is \(run.status.rawValue).")
        }
        guard run.metamorphs.count < Self.maxMetamorphs else {
            throw APIError(
                status: .badRequest, type: "max-metamorphs-exceeded",
                message: "The run was metamorphed \(Self.maxMetamorphs) times, the most allowed.")
        }
        let inputKey = "INPUT-METAMORPH-\(run.metamorphs.count + 1)"
        if let input { stores[run.defaultKeyValueStoreId]?[inputKey] = input }
        let now = Date()
        run.metamorphs.append(
            .object([
                .init("createdAt", .string(Timestamp.string(now))),
                .init("actorId", .string(target.id)),
                .init("buildId", .string(build.id)),
                .init("inputKey", input == nil ? .null : .string(inputKey)),
            ]))
        run.actorId = target.id
        run.buildId = build.id
        run.buildNumber = build.number
        run.generation += 1
        run.logLines.append(Timestamp.logLine("ACTOR: Run metamorphed into \(target.fullName)", at: now))
        runs[id] = run
        execute(run, actor: target, input: input, startsRunning: true)
        notifyChange(of: id)
        return run
    }

    /// The platform's limit of metamorphs per run (`limits.md`).
    static let maxMetamorphs = 10

    /// Adds `count` events; a charge whose idempotency key was seen before changes nothing.
    func chargeRun(_ id: String, event: String, count: Int, idempotencyKey: String?) throws(APIError) {
        guard var run = runs[id] else { throw .runNotFound }
        if let idempotencyKey {
            guard run.chargeIdempotencyKeys.insert(idempotencyKey).inserted else { return }
        }
        if let index = run.chargedEventCounts.firstIndex(where: { $0.key == event }),
            case .int(let previous) = run.chargedEventCounts[index].value
        {
            run.chargedEventCounts[index].value = .int(previous + count)
        } else {
            run.chargedEventCounts.append(.init(event, .int(count)))
        }
        runs[id] = run
        notifyChange(of: id)
    }
}
