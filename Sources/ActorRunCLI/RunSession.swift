import ApifyClient
import CurlHTTP
import Glibc
import Synchronization

/// Carries out one call against the API and tells the user about it: renders the call's events as status lines
/// on stderr, sends signals to the call's `CallControl`, and turns the outcome into an exit status. The behaviour
/// (starting once, finding a lost start, aborting on interrupt) lives in `ActorCall`; here is only its voice.
struct RunSession: Sendable {
    var configuration: ApifyConfiguration
    /// CA certificates for the session's connections (`--cacert`, `SSL_CERT_FILE`, `CURL_CA_BUNDLE`).
    var caBundle: String?
    var reporter: Reporter
    var isVerbose: Bool
    /// Whether Ctrl-C aborts the run this invocation started (the contract's default), or leaves it going.
    var abortsOnInterrupt = true
    /// The most connections kept open between requests; nil: libcurl's default (see `CurlSession`).
    var maxConnections: Int?

    /// The API client of this invocation: one libcurl session, traced to stderr with `--verbose`.
    func makeAPI() -> ApifyAPI {
        let reporter = self.reporter
        var trace: (@Sendable (String) -> Void)?
        if isVerbose { trace = { line in reporter.error(line) } }
        return ApifyAPI(
            configuration: configuration, transport: CurlSession(caBundle: caBundle, maxConnections: maxConnections),
            trace: trace,
            notice: { line in reporter.info(line) })
    }

    /// `actor-run <actor>`: start a run, follow it, print its record.
    func call(_ plan: CallPlan, outputFile: String?, interrupts: Interrupts) async -> ExitStatus {
        let control = CallControl(abortsOnInterrupt: abortsOnInterrupt)
        interrupts.arm { control.interrupt() }
        let (session, follow) = onTerminal(plan.follow, detaches: plan.detaches)
        var plan = plan
        plan.follow = follow
        return await session.execute(
            starting: plan.target, output: plan.follow.output, outputFile: outputFile,
            showsLog: plan.follow.log != nil
        ) { [plan] call, destination, events throws(ApifyError) in
            try await call.perform(plan, control: control, destination: destination, events: events)
        }
    }

    /// On a terminal, a status line kept up to date: holds of a few seconds keep its status message fresh, and
    /// the log and every other line are printed above it. Elsewhere, plain lines and the server's full hold.
    private func onTerminal(_ plan: FollowPlan, detaches: Bool = false) -> (RunSession, FollowPlan) {
        guard !detaches, let line = StatusLine.forTerminal(isQuiet: reporter.isQuiet) else { return (self, plan) }
        var session = self
        session.reporter.statusLine = line
        var plan = plan
        plan.holdSeconds = 2
        if plan.log != nil { plan.log = StatusLineLog(line) }
        return (session, plan)
    }

    /// `actor-run wait <run-id>`: follow a run started elsewhere (an interrupt leaves it going).
    func attach(runID: String, _ plan: FollowPlan, outputFile: String?, interrupts: Interrupts) async -> ExitStatus {
        let control = CallControl(abortsOnInterrupt: false)
        interrupts.arm { control.interrupt() }
        let (session, plan) = onTerminal(plan)
        return await session.execute(
            starting: nil, output: plan.output, outputFile: outputFile, showsLog: plan.log != nil
        ) {
            call, destination, events throws(ApifyError) in
            try await call.attach(runID: runID, plan, destination: destination, events: events, control: control)
        }
    }

    /// `actor-run output <run-id>`: print a run's output as it is now.
    func output(runID: String, _ output: RunOutput, outputFile: String?, interrupts: Interrupts) async -> ExitStatus {
        interrupts.arm()
        return await execute(starting: nil, output: output, outputFile: outputFile) {
            call, destination, _ throws(ApifyError) in
            try await call.output(runID: runID, output, destination: destination)
        }
    }

    /// A call's work: given the call, where the record goes and who hears the events, produce the outcome.
    private typealias Operation =
        @Sendable (
            ActorCall, _ destination: @escaping @Sendable () throws -> any RecordDestination,
            _ events: @escaping @Sendable (CallEvent) -> Void
        ) async throws(ApifyError) -> CallOutcome

    /// - Parameter starting: what the call starts (as the user named it), for the "started run" line.
    private func execute(
        starting: RunTarget?, output: RunOutput, outputFile: String?, showsLog: Bool = false, _ operation: Operation
    ) async -> ExitStatus {
        let target: OutputTarget?
        do {
            // `-o -` is stdout, as for curl.
            target = try outputFile.flatMap { path throws(CommandFailure) in
                path == "-" ? nil : try OutputTarget(path: path)
            }
            target?.removeOrphans()
        } catch {
            reporter.error(error.message)
            return error.status
        }
        // Kept so that a call ended at once (a third interrupt) can still take its half-written file away.
        let made = Mutex<[any RecordDestination]>([])
        let reporter = self.reporter
        let destination: @Sendable () throws -> any RecordDestination = {
            let destination =
                try target?.makeDestination()
                ?? StandardOutputDestination(printsBinary: outputFile == "-", statusLine: reporter.statusLine)
            made.withLock { $0.append(destination) }
            return destination
        }
        let api = makeAPI()
        let console = consoleURL
        do {
            let outcome = try await operation(ActorCall(api: api), destination) { event in
                Self.render(event, starting: starting, reporter: reporter)
                // On a terminal, where to watch the run, as soon as it exists (Apify's own API only).
                if case .started(let run) = event, reporter.statusLine != nil, let url = console(run.id) {
                    reporter.info("console: \(url)")
                }
            }
            reporter.statusLine?.stop()
            if case .abandoned = outcome { made.withLock { $0 }.forEach { $0.discard() } }
            if case .ended(let run) = outcome { await reportFailure(of: run, api: api, logWasShown: showsLog) }
            if case .recordMissing(let run) = outcome { return await reportMissing(run, output: output, api: api) }
            return report(outcome, output: output, outputFile: outputFile)
        } catch {
            reporter.statusLine?.stop()
            var message = error.message
            if error.kind == .unauthorized && configuration.token == nil {
                message += "; no API token was found: set APIFY_TOKEN, pass --token-file, or run `apify login`"
            }
            reporter.error(message)
            return ExitStatus(error.kind)
        }
    }

    /// Why a run failed, as the official CLI tells it: the last lines of its log and where to see the rest.
    /// (The status message and exit code are on the final line.)
    private func reportFailure(of run: Run, api: ApifyAPI, logWasShown: Bool) async {
        guard !reporter.isQuiet else { return }
        let tail = logWasShown ? [] : await api.logTail(runID: run.id, lines: 10)
        if !tail.isEmpty {
            reporter.info("the last \(tail.count) lines of the log of run \(run.id):")
            var text = tail.map { "  \($0)\n" }.joined()
            text.withUTF8 { _ = try? FileDescriptorWriter.write(UnsafeRawBufferPointer($0), to: STDERR_FILENO) }
        }
        if let url = consoleURL(run.id) { reporter.info("console: \(url)") }
    }

    /// A record that is not there: say what the run did produce (most actors write a dataset), and how to print it.
    private func reportMissing(_ run: Run, output: RunOutput, api: ApifyAPI) async -> ExitStatus {
        let state = run.status == .succeeded ? "SUCCEEDED but" : "is \(run.status) and"
        var message =
            output == .outputObject
            ? "run \(run.id) \(state) has no Actor output object (its actor has no output schema)"
            : "run \(run.id) \(state) has no record '\(output.recordKey)' in its default key-value store"
        let (items, keys) = await api.whatRunProduced(run)
        var found: [String] = []
        if output != .outputObject, run.outputObject != nil {
            found.append("it has an Actor output object: print it with `actor-run output \(run.id) --output-object`")
        }
        if let items, items > 0 {
            found.append(
                "its dataset has \(items) item\(items == 1 ? "" : "s"): print them with"
                    + " `actor-run output \(run.id) --dataset`")
        }
        var others = (keys ?? []).filter { $0 != "INPUT" && (output == .outputObject || $0 != output.recordKey) }
        if output == .outputObject, others.contains("OUTPUT") {
            found.append("it has an OUTPUT record: print it with `actor-run output \(run.id)`")
            others.removeAll { $0 == "OUTPUT" }
        }
        if !others.isEmpty {
            found.append("its store has \(others.joined(separator: ", ")): print one with `-k KEY`")
        }
        message +=
            found.isEmpty ? " (try --key with another record, or --dataset)" : "; " + found.joined(separator: "; ")
        reporter.error(message)
        return .recordMissing
    }

    /// The run's page in the Apify Console, when the API is Apify's own.
    private func consoleURL(_ runID: String) -> String? {
        configuration.baseURL == ApifyConfiguration.defaultBaseURL
            ? "https://console.apify.com/view/runs/\(runID)" : nil
    }

    private static func render(_ event: CallEvent, starting: RunTarget?, reporter: Reporter) {
        switch event {
        case .started(let run):
            let started =
                switch starting {
                case .resurrection?: "resurrected run \(run.id)"
                case let target?: "started run \(run.id) of \(target)"
                case nil: "started run \(run.id) of \(run.actId ?? "the actor")"
                }
            reporter.info("\(started)\(describeOptions(run)): \(run.status)")
            reporter.statusLine?.update(run)
        case .lookingForLostStart(let error):
            reporter.error("\(error.message); looking for the run it may have started")
        case .waitingForResources(let error, let pause):
            reporter.error("\(error.message); waiting for resources, next try in \(pause.formattedSeconds)")
        case .attached(let run):
            reporter.info("run \(run.id)\(describeOptions(run)): \(run.status)")
            reporter.statusLine?.update(run)
        case .statusChanged(let run) where reporter.statusLine != nil:
            reporter.statusLine?.update(run)
        case .statusChanged(let run) where !run.status.isTerminal:
            reporter.info("run \(run.id): \(run.status)\(run.statusMessage.map { " (\($0))" } ?? "")")
        case .statusChanged:
            break
        case .interruptedWhileStarting(let abortsRun):
            let then = abortsRun ? "aborted" : "named"
            reporter.error(
                "interrupted: the start's answer is not in yet; the run it creates will be \(then) once known"
                    + " (interrupt twice more to exit at once)")
        case .aborting(let id, false):
            reporter.error("interrupted: aborting run \(id) gracefully (interrupt again to force, twice to exit)")
        case .aborting(let id, true):
            reporter.error("aborting run \(id) forcefully (interrupt again to exit at once)")
        }
    }

    private func report(_ outcome: CallOutcome, output: RunOutput, outputFile: String?) -> ExitStatus {
        switch outcome {
        case .detached(let run):
            Self.printRun(run, asJSON: output == .runObject)
            return .success
        case .stillRunning(let run):
            reporter.error(
                "stopped waiting: run \(run.id) is still \(run.status); resume with `actor-run wait \(run.id)`")
            Self.printRun(run, asJSON: output == .runObject)
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
            let target = outputFile.flatMap { $0 == "-" ? nil : " to \($0)" } ?? ""
            let bytes = record.byteCount == 1 ? "1 byte" : "\(record.byteCount) bytes"
            reporter.info("run \(run.id) \(Self.describeEnd(run)); wrote \(bytes)\(target)")
            return .success
        case .outputNotFetched(let run, let error):
            reporter.error(
                "\(error.message); the run \(run.id) SUCCEEDED: fetch its output with"
                    + " `actor-run output \(run.id)\(Self.outputFlags(output, outputFile))`, not a new run")
            return ExitStatus(error.kind)
        case .interruptedBeforeStart(let error):
            reporter.error(error.map { "interrupted; \($0.message)" } ?? "interrupted; no run was started")
            return .interrupted
        case .abortedOnInterrupt(let run):
            guard run.status.isTerminal else {
                reporter.error("run \(run.id) is \(run.status); check its end with `actor-run wait \(run.id)`")
                return .interrupted
            }
            reporter.error("run \(run.id) \(Self.describeEnd(run))")
            return run.status == .succeeded ? .interrupted : ExitStatus(endedRun: run.status)
        case .leftRunning(let run):
            reporter.error("interrupted; run \(run.id) goes on: follow it with `actor-run wait \(run.id)`")
            return .interrupted
        case .interruptedAfterEnd(let run):
            reporter.error(
                "interrupted; run \(run.id) had ended (\(run.status)): fetch its output with"
                    + " `actor-run output \(run.id)\(Self.outputFlags(output, outputFile))`")
            return .interrupted
        case .abortFailed(let id, let error):
            reporter.error("\(error.message); run \(id) may still be going: check it with `actor-run wait \(id)`")
            return .interrupted
        case .abandoned(let id?, _, true):
            reporter.error(
                "interrupted three times: exiting; run \(id) had ended, its output was not written: fetch it with"
                    + " `actor-run output \(id)\(Self.outputFlags(output, outputFile))`")
            return .interrupted
        case .abandoned(let id?, _, false):
            reporter.error("interrupted three times: exiting; run \(id) may still be going: `actor-run wait \(id)`")
            return .interrupted
        case .abandoned(nil, let target, _):
            reporter.error(
                "interrupted three times: exiting; a run of \(target) may have started:"
                    + " look at its newest runs before starting it again")
            return .interrupted
        }
    }

    /// A run on stdout: its ID, or with `--json` the run object (always one JSON document, whatever the outcome).
    private static func printRun(_ run: Run, asJSON: Bool) {
        guard asJSON else { return FileDescriptorWriter.write("\(run.id)\n", to: STDOUT_FILENO) }
        var bytes = run.json.isEmpty ? Array(#"{"id":"\#(run.id)","status":"\#(run.status.rawValue)"}"#.utf8) : run.json
        bytes.append(0x0A)
        bytes.withUnsafeBytes { _ = try? FileDescriptorWriter.write($0, to: STDOUT_FILENO) }
    }

    /// The flags that fetch the same output again, for the hint after a failed or interrupted download.
    private static func outputFlags(_ output: RunOutput, _ outputFile: String?) -> String {
        var flags = ""
        switch output {
        case .record(let key) where key != "OUTPUT": flags += " -k \(key)"
        case .datasetItems(let format, _): flags += " --dataset" + (format == "json" ? "" : " --format \(format)")
        case .runObject: flags += " --json"
        case .outputObject: flags += " --output-object"
        case .recordOrItems(let key): flags += " --print auto" + (key == "OUTPUT" ? "" : " -k \(key)")
        default: break
        }
        if let outputFile { flags += " -o \(outputFile)" }
        return flags
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

extension RunOutput {
    /// The record key, for messages about a missing record.
    fileprivate var recordKey: String {
        switch self {
        case .record(let key), .recordOrItems(let key): key
        default: "OUTPUT"
        }
    }
}
