import ApifyClient
import CurlHTTP
import Glibc
import Synchronization

/// Carries out one call against the API and tells the user about it: status lines on stderr, the record on
/// stdout or in the output file, the outcome as an exit status.
struct RunSession: Sendable {
    var configuration: ApifyConfiguration
    var reporter: Reporter
    var isVerbose: Bool
    /// Whether Ctrl-C aborts the run this invocation started (the contract's default), or leaves it going.
    var abortsOnInterrupt = true

    /// A call's work: given the call, where the record goes and who hears the events, produce the outcome.
    typealias Operation =
        @Sendable (
            ActorCall, _ destination: @escaping @Sendable () throws -> any RecordDestination,
            _ events: @escaping @Sendable (CallEvent) -> Void
        ) async throws(ApifyError) -> CallOutcome

    /// The API client of this invocation: one libcurl session, traced to stderr with `--verbose`.
    func makeAPI() -> ApifyAPI {
        let reporter = self.reporter
        var trace: (@Sendable (String) -> Void)?
        if isVerbose { trace = { line in reporter.error(line) } }
        return ApifyAPI(
            configuration: configuration, transport: CurlSession(), trace: trace,
            notice: { line in reporter.info(line) })
    }

    /// `actor-run <actor>`: start a run, follow it, print its record.
    func call(_ plan: CallPlan, outputFile: String?, interrupts: Interrupts) async -> ExitStatus {
        await execute(
            actor: plan.target.description, output: plan.follow.output, outputFile: outputFile,
            interrupts: interrupts
        ) {
            call, destination, events throws(ApifyError) in
            try await call.perform(plan, destination: destination, events: events)
        }
    }

    /// `actor-run wait <run-id>`: follow a run started elsewhere (an interrupt leaves it going).
    func attach(runID: String, _ plan: FollowPlan, outputFile: String?, interrupts: Interrupts) async -> ExitStatus {
        await execute(actor: nil, output: plan.output, outputFile: outputFile, interrupts: interrupts) {
            call, destination, events throws(ApifyError) in
            try await call.attach(runID: runID, plan, destination: destination, events: events)
        }
    }

    /// `actor-run output <run-id>`: print a run's output as it is now.
    func output(runID: String, _ output: RunOutput, outputFile: String?, interrupts: Interrupts) async -> ExitStatus {
        await execute(actor: nil, output: output, outputFile: outputFile, interrupts: interrupts) {
            call, destination, _ throws(ApifyError) in
            try await call.output(runID: runID, output, destination: destination)
        }
    }

    /// - Parameter actor: how the user named the actor, for the "started run" line.
    private func execute(
        actor: String?, output: RunOutput, outputFile: String?, interrupts: Interrupts, _ operation: Operation
    ) async -> ExitStatus {
        let reporter = self.reporter
        let target: OutputTarget?
        do {
            target = try outputFile.map { path throws(CommandFailure) in try OutputTarget(path: path) }
        } catch {
            reporter.error(error.message)
            return error.status
        }
        let api = makeAPI()
        let startedRun = StartedRun()
        let destination: @Sendable () throws -> any RecordDestination = {
            try target?.makeDestination() ?? StandardOutputDestination()
        }
        do {
            let outcome = try await operation(ActorCall(api: api), destination) { event in
                switch event {
                case .started(let run):
                    startedRun.id.withLock { $0 = run.id }
                    reporter.info(
                        "started run \(run.id) of \(actor ?? run.actId ?? "the actor")\(Self.describeOptions(run)): \(run.status)"
                    )
                case .lookingForLostStart(let error):
                    reporter.error("\(error.message); looking for the run it may have started")
                case .attached(let run):
                    reporter.info("run \(run.id)\(Self.describeOptions(run)): \(run.status)")
                case .statusChanged(let run) where !run.status.isTerminal:
                    reporter.info("run \(run.id): \(run.status)\(run.statusMessage.map { " (\($0))" } ?? "")")
                case .statusChanged:
                    break
                }
            }
            return report(outcome, output: output, outputFile: outputFile)
        } catch {
            if error.kind == .cancelled, let id = startedRun.id.withLock({ $0 }) {
                guard abortsOnInterrupt else {
                    reporter.error("interrupted; run \(id) goes on: follow it with `actor-run wait \(id)`")
                    return .interrupted
                }
                // The work task is cancelled; the abort runs in a task of its own so that it can still talk.
                return await Task { await abort(id, api: api, interrupts: interrupts) }.value
            }
            var message = error.message
            if error.kind == .unauthorized && configuration.token == nil {
                message += "; no API token was found: set APIFY_TOKEN, pass --token-file, or run `apify login`"
            }
            reporter.error(message)
            return ExitStatus(error.kind)
        }
    }

    /// Aborts the run gracefully, forcefully on a second interrupt, and waits for its final status.
    private func abort(_ id: String, api: ApifyAPI, interrupts: Interrupts) async -> ExitStatus {
        reporter.error("interrupted: aborting run \(id) (interrupt again to force)")
        interrupts.onRepeat {
            Task { _ = try? await api.abortRun(id: id, gracefully: false) }
        }
        do {
            var run = try await api.abortRun(id: id, gracefully: true)
            if !run.status.isTerminal, case .finished(let final) = try await RunWaiter(api: api).wait(for: id) {
                run = final
            }
            reporter.error("run \(id) \(Self.describeEnd(run))")
            return run.status == .succeeded ? .interrupted : ExitStatus(endedRun: run.status)
        } catch {
            reporter.error("\(error.message); run \(id) may still be going")
            return .interrupted
        }
    }

    private func report(_ outcome: CallOutcome, output: RunOutput, outputFile: String?) -> ExitStatus {
        switch outcome {
        case .detached(let run):
            FileDescriptorWriter.write("\(run.id)\n", to: STDOUT_FILENO)
            return .success
        case .stillRunning(let run):
            reporter.error(
                "stopped waiting: run \(run.id) is still \(run.status); resume with `actor-run wait \(run.id)`")
            FileDescriptorWriter.write("\(run.id)\n", to: STDOUT_FILENO)
            return .waitLimitReached
        case .ended(let run):
            reporter.error("run \(run.id) \(Self.describeEnd(run))")
            return ExitStatus(endedRun: run.status)
        case .recordMissing(let run):
            let state = run.status == .succeeded ? "SUCCEEDED but" : "is \(run.status) and"
            reporter.error(
                "run \(run.id) \(state) has no record '\(output.recordKey)' in its default key-value store"
                    + " (try --key with another record)"
            )
            return .recordMissing
        case .succeeded(let run, let record):
            let target = outputFile.map { " to \($0)" } ?? ""
            let bytes = record.byteCount == 1 ? "1 byte" : "\(record.byteCount) bytes"
            reporter.info("run \(run.id) \(Self.describeEnd(run)); wrote \(bytes)\(target)")
            return .success
        }
    }

    private static func describeOptions(_ run: Run) -> String {
        var parts: [String] = []
        if let build = run.buildNumber ?? run.options?.build { parts.append("build \(build)") }
        if let memory = run.options?.memoryMbytes { parts.append("\(memory) MB") }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
    }

    /// `SUCCEEDED in 1.2 s`, `FAILED with exit code 1 in 0.3 s: Simulated failure`.
    private static func describeEnd(_ run: Run) -> String {
        var text = run.status.rawValue
        if run.status != .succeeded, let exitCode = run.exitCode { text += " with exit code \(exitCode)" }
        if let millis = run.stats?.durationMillis { text += " in \(Duration.milliseconds(millis).formattedSeconds)" }
        if run.status != .succeeded, let message = run.statusMessage, !message.isEmpty { text += ": \(message)" }
        return text
    }
}

/// The ID of the run this invocation started, once it has one: an interrupt message must name it.
private final class StartedRun: Sendable {
    let id = Mutex<String?>(nil)
}

extension RunOutput {
    /// The record key, for messages about a missing record.
    fileprivate var recordKey: String {
        if case .record(let key) = self { return key }
        return "OUTPUT"
    }
}
