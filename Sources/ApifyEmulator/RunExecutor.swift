import Foundation

/// Plays one run of a scripted actor: READY → RUNNING → the steps → a terminal status, with the run's timeout
/// enforced (TIMING-OUT → TIMED-OUT) and task cancellation treated as an abort (ABORTING → ABORTED).
///
/// Real time is used, with short transitions: the emulator exists to be waited on over HTTP, and the steps a test
/// scripts (`sleep`) are what make a run long.
struct RunExecutor: Sendable {
    let state: EmulatorState
    let runID: String
    /// The run's execution this executor plays; a resurrect starts a new one and this one's late writes are dropped.
    let generation: Int
    let actor: ActorDefinition
    let input: StoredRecord?
    let options: ActorRun.Options
    /// A resurrected run is RUNNING at once; a new one is READY first.
    let startsRunning: Bool

    /// How long TIMING-OUT and ABORTING last: long enough to be observable in a log of polls, short enough not to
    /// slow tests.
    static let transitionDelay = Duration.milliseconds(10)
    /// How long a gracefully aborted run stays ABORTING (the platform allows it up to 30 s).
    static let gracefulAbortDelay = Duration.milliseconds(300)

    /// How a run's steps ended, before the executor records it.
    private enum Outcome: Sendable {
        case finished(FinishStep)
        case failed(String)
        case timedOut
        case aborted
    }

    /// The input as JSON, for templates; nil when there is none or it is not JSON.
    private var inputJSON: JSONValue? {
        guard let input, case .bytes(let bytes) = input.body else { return nil }
        return try? JSONValue.parse(bytes)
    }

    func execute() async {
        if !startsRunning {
            do {
                let ready = actor.readySecs ?? ActorDefinition.standardReadySecs
                if ready > 0 {
                    try await Task.sleep(for: .milliseconds(Int64((ready * 1000).rounded())))
                }
            } catch {
                await finish(.aborted)
                return
            }
            await state.updateRun(runID, generation: generation) {
                $0.status = .running
                $0.statusMessage = "Running"
            }
        }
        await log("ACTOR: Starting run of \(actor.fullName) (build \(options.build))")
        let timeoutSecs = options.timeoutSecs
        let inputJSON = self.inputJSON
        let outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.performSteps(inputJSON: inputJSON) }
            if timeoutSecs > 0 {
                group.addTask {
                    do {
                        try await Task.sleep(for: .seconds(timeoutSecs))
                        return .timedOut
                    } catch {
                        return nil
                    }
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .aborted
        }
        await finish(outcome)
    }

    /// Runs the steps in order; nil when cancelled (by the timeout or an abort).
    private func performSteps(inputJSON: JSONValue?) async -> Outcome? {
        for step in actor.steps {
            if Task.isCancelled { return nil }
            switch step {
            case .log(let template):
                await log(InputTemplate(template).render(input: inputJSON))
            case .statusMessage(let template):
                let message = InputTemplate(template).render(input: inputJSON)
                await state.updateRun(runID, generation: generation) {
                    $0.statusMessage = message
                    $0.isStatusMessageFromActor = true
                }
            case .sleep(let duration):
                let seconds: Double
                switch duration {
                case .seconds(let value):
                    seconds = value
                case .template(let template):
                    let text = InputTemplate(template).render(input: inputJSON)
                    guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                        return .failed("sleep step: \"\(text)\" is not a number of seconds")
                    }
                    seconds = value
                }
                do {
                    try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded())))
                } catch {
                    return nil
                }
            case .record(let recordStep):
                await storeRecord(recordStep, inputJSON: inputJSON)
            case .pushItems(let items):
                let datasetID = await state.run(id: runID)?.defaultDatasetId ?? ""
                await state.pushItems(datasetID: datasetID, items: items)
            case .finish(let finish):
                var rendered = finish
                rendered.statusMessage = finish.statusMessage.map { InputTemplate($0).render(input: inputJSON) }
                return .finished(rendered)
            }
        }
        return Task.isCancelled ? nil : .finished(FinishStep())
    }

    private func storeRecord(_ step: RecordStep, inputJSON: JSONValue?) async {
        let body: StoredRecord.Body
        var contentType = step.contentType ?? step.defaultContentType
        switch step.source {
        case .json(let value): body = .bytes(value.sortingKeys().serializedBytes)
        case .text(let text): body = .bytes(Array(text.utf8))
        case .template(let template): body = .bytes(Array(InputTemplate(template).render(input: inputJSON).utf8))
        case .bytes(let bytes): body = .bytes(bytes)
        case .generatedBytes(let size): body = .generated(size: size)
        case .fromInput:
            guard let input else { return }
            body = input.body
            contentType = step.contentType ?? input.contentType
        }
        guard let storeID = await state.run(id: runID)?.defaultKeyValueStoreId else { return }
        let record = StoredRecord(contentType: contentType, body: body, isRedirected: step.redirect)
        await state.putRecord(storeID: storeID, key: step.key, record: record)
        await log("ACTOR: Stored record \(step.key) (\(record.size) bytes, \(contentType))")
    }

    /// Records the outcome, passing through the transitional status the platform shows for timeouts and aborts.
    private func finish(_ outcome: Outcome) async {
        let finish: FinishStep
        switch outcome {
        case .finished(let step):
            finish = step
        case .failed(let reason):
            await log("ACTOR: \(reason)")
            finish = FinishStep(status: .failed, exitCode: 1, statusMessage: reason)
        case .timedOut:
            await log("ACTOR: Run timed out after \(options.timeoutSecs) s, stopping it")
            finish = FinishStep(status: .timedOut, statusMessage: "Actor run timed out")
        case .aborted:
            finish = FinishStep(status: .aborted, statusMessage: "Actor run was aborted")
        }
        switch finish.status {
        case .timedOut:
            await state.updateRun(runID, generation: generation) { $0.status = .timingOut }
            try? await Task.sleep(for: Self.transitionDelay)
        case .aborted:
            let graceful = await state.run(id: runID)?.abortsGracefully ?? false
            await state.updateRun(runID, generation: generation) { $0.status = .aborting }
            try? await sleepIgnoringCancellation(graceful ? Self.gracefulAbortDelay : Self.transitionDelay)
        default:
            break
        }
        await log("ACTOR: Run finished with status \(finish.status.rawValue)")
        let exitCode = finish.effectiveExitCode
        await state.updateRun(runID, generation: generation) { run in
            run.status = finish.status
            run.exitCode = exitCode
            run.finishedAt = Date()
            run.statusMessage =
                finish.statusMessage ?? (run.isStatusMessageFromActor ? run.statusMessage : nil)
                ?? Self.defaultMessage(for: finish.status)
            run.isStatusMessageTerminal = true
        }
    }

    private func log(_ text: String) async {
        await state.appendLog(runID, generation: generation, text)
    }

    /// The executor's task is cancelled by the abort itself, so a plain sleep would end at once.
    private func sleepIgnoringCancellation(_ duration: Duration) async throws {
        try await Task.detached { try await Task.sleep(for: duration) }.value
    }

    private static func defaultMessage(for status: RunStatus) -> String {
        switch status {
        case .succeeded: "Actor run succeeded"
        case .failed: "Actor run failed"
        case .timedOut: "Actor run timed out"
        case .aborted: "Actor run was aborted"
        default: status.rawValue
        }
    }
}
