import ApifyClient
import ArgumentParser
import Foundation

/// `actor-run <actor>` (also spelled `actor-run run <actor>`): start an actor, wait, print its OUTPUT record.
struct RunCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "actor-run",
        abstract: "Run an Apify actor, wait for it to finish, and print its OUTPUT record.",
        usage: "actor-run [run] <actor> [options]",
        discussion: HelpText.discussion,
        version: HelpText.version
    )

    @Argument(help: "The actor: user/name, user~name or an actor ID.")
    var actor: String

    @OptionGroup(title: "Run options")
    var run: RunFlags

    @OptionGroup(title: "Input")
    var input: InputFlags

    @OptionGroup var start: StartFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        await start.execute(interrupts: interrupts) { reporter in
            (.actor(try ActorReference(parsing: actor)), try run.options(), try input.read(reporter: reporter))
        }
    }
}

/// What every command that starts a run shares: waiting, output, and the connection.
struct StartFlags: ParsableArguments {
    @OptionGroup(title: "Waiting and output")
    var waiting: WaitLimitFlags

    @Flag(help: "Start the run, print its ID on stdout and exit at once.")
    var detach = false

    @Flag(
        name: .customLong("no-abort-on-interrupt"),
        help: "Ctrl-C leaves the run going (default: the first aborts it gracefully, a second forcefully).")
    var noAbortOnInterrupt = false

    @OptionGroup(title: "Waiting and output")
    var output: OutputFlags

    @OptionGroup(title: "Connection and credentials")
    var connection: ConnectionFlags

    func validate() throws {
        try connection.validate()
        if detach && output.outputFile != nil {
            throw ValidationError("--detach prints the run ID; it cannot be combined with --output-file")
        }
    }

    /// Reads what to start (`prepare` may read input, so it runs before anything is sent), starts it, follows
    /// it, and turns the outcome into an exit status.
    func execute(
        interrupts: Interrupts,
        prepare: (Reporter) throws -> (RunTarget, RunOptions, RunInput?)
    ) async -> ExitStatus {
        let reporter = output.reporter
        return await reporter.reportingFailures {
            let (target, options, input) = try prepare(reporter)
            let plan = CallPlan(
                target: target,
                options: options,
                input: input,
                detaches: detach,
                follow: output.followPlan(waitLimit: waiting.wait?.duration)
            )
            var session = try connection.session(reporter: reporter, isVerbose: output.verbose)
            session.abortsOnInterrupt = !noAbortOnInterrupt
            interrupts.arm()
            return await session.call(plan, outputFile: output.outputFile, interrupts: interrupts)
        }
    }
}

/// Run options: sent to the platform in the query of "Run actor".
struct RunFlags: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Build to run: a tag (latest, beta) or a number (1.2.34).",
            valueName: "tag|number"))
    var build: String?

    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Run timeout on the platform, in seconds; 0 means none.",
            valueName: "seconds"))
    var timeout: Int?

    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Memory in MB: a power of 2 from 128 to 32768.",
            valueName: "mb"))
    var memory: Int?

    @Option(
        name: .customLong("max-items"),
        help: ArgumentHelp(
            "Cap on charged items (pay-per-result actors).",
            valueName: "n"))
    var maxItems: Int?

    @Option(
        name: .customLong("max-total-charge-usd"),
        help: ArgumentHelp("Cap on the run's cost in USD (pay-per-event actors).", valueName: "usd"))
    var maxTotalChargeUsd: String?

    @Flag(name: .customLong("restart-on-error"), help: "Restart the run if it fails.")
    var restartOnError = false

    @Option(help: ArgumentHelp("Ad-hoc webhooks: a JSON array, or @FILE.", valueName: "json|@file"))
    var webhooks: String?

    func validate() throws {
        if let memory, !RunOptions.isAllowedMemory(memory) {
            throw ValidationError("--memory must be a power of 2 from 128 to 32768 (MB), got \(memory)")
        }
        if let timeout, timeout < 0 {
            throw ValidationError("--timeout must be 0 (no timeout) or a number of seconds, got \(timeout)")
        }
        if let maxItems, maxItems <= 0 {
            throw ValidationError("--max-items must be greater than 0, got \(maxItems)")
        }
        if let maxTotalChargeUsd, (Double(maxTotalChargeUsd) ?? 0) <= 0 {
            throw ValidationError("--max-total-charge-usd must be an amount greater than 0, got '\(maxTotalChargeUsd)'")
        }
    }

    func options() throws(CommandFailure) -> RunOptions {
        var webhooksJSON: [UInt8]?
        if let webhooks {
            let source = InputSource(inputFlag: webhooks)
            let reader = InputReader(contentType: "application/json", reporter: Reporter(isQuiet: true))
            webhooksJSON = try reader.read(source == .standardInput ? .inline(webhooks) : source)?.bytes
        }
        return RunOptions(
            build: build,
            timeoutSeconds: timeout,
            memoryMegabytes: memory,
            maxItems: maxItems,
            maxTotalChargeUsd: maxTotalChargeUsd,
            restartOnError: restartOnError,
            webhooksJSON: webhooksJSON
        )
    }
}

/// Where the input comes from and how it is sent.
struct InputFlags: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Input: inline JSON, @PATH for a file, - for stdin.",
            valueName: "json|@path|-"))
    var input: String?

    @Option(
        name: [.customShort("f"), .customLong("input-file")],
        help: ArgumentHelp(
            "Read the input from a file (- = stdin).",
            valueName: "path"))
    var inputFile: String?

    @Option(
        name: .customLong("content-type"),
        help: ArgumentHelp("Media type of the input; non-JSON input is sent as bytes, unchecked.", valueName: "type"))
    var contentType = "application/json"

    @Flag(name: .customLong("no-input"), help: "Send no input and do not look at stdin.")
    var noInput = false

    func validate() throws {
        if input != nil && inputFile != nil {
            throw ValidationError("--input and --input-file both give the input; use one")
        }
        if noInput && (input != nil || inputFile != nil) {
            throw ValidationError("--no-input cannot be combined with --input or --input-file")
        }
    }

    /// The input, read and checked before anything is sent.
    func read(reporter: Reporter) throws(CommandFailure) -> RunInput? {
        try InputReader(contentType: contentType, reporter: reporter).read(source)
    }

    var source: InputSource {
        if noInput { return .none }
        if let input { return InputSource(inputFlag: input) }
        if let inputFile { return inputFile == "-" ? .standardInput : .file(inputFile) }
        return .implicitStandardInput
    }
}

/// Where the API is and who we are to it.
struct ConnectionFlags: ParsableArguments {
    @Option(
        name: .customLong("api-url"),
        help: ArgumentHelp("API base URL (default: $APIFY_API_BASE_URL, else https://api.apify.com).", valueName: "url")
    )
    var apiURL: String?

    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp(
            "Read the API token from this file.",
            valueName: "path"))
    var tokenFile: String?

    @Option(
        help: ArgumentHelp(
            "The API token (visible in `ps`: prefer APIFY_TOKEN or --token-file).",
            valueName: "token"))
    var token: String?

    @Option(
        help: ArgumentHelp(
            "Repeat a request this many times when that is safe (429, network errors on reads).",
            valueName: "n"))
    var retries = 5

    func validate() throws {
        if retries < 0 { throw ValidationError("--retries must be 0 or more, got \(retries)") }
    }

    /// The session these flags describe: where the API is, the token, how often to retry.
    func session(reporter: Reporter, isVerbose: Bool) throws(CommandFailure) -> RunSession {
        let environment = ProcessInfo.processInfo.environment
        let token = try credentials(environment: environment).token()
        if self.token != nil {
            reporter.error("warning: --token is visible to other users in `ps`; prefer APIFY_TOKEN or --token-file")
        }
        let configuration = ApifyConfiguration(
            baseURL: try baseURL(environment: environment),
            token: token,
            // Unique per invocation, so that a run whose start answer was lost can be found by it.
            userAgent: "actor-run/\(HelpText.version) (invocation \(UUID().uuidString.lowercased()))",
            maximumAttempts: retries + 1
        )
        return RunSession(configuration: configuration, reporter: reporter, isVerbose: isVerbose)
    }

    func credentials(environment: [String: String]) -> Credentials {
        Credentials(tokenFile: tokenFile, tokenFlag: token, environment: environment, homeDirectory: nil)
    }

    func baseURL(environment: [String: String]) throws(CommandFailure) -> String {
        let url =
            apiURL ?? environment["APIFY_API_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ApifyConfiguration.defaultBaseURL
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw CommandFailure(
                status: .usage, message: "the API URL must start with http:// or https://, got '\(url)'")
        }
        return url
    }
}

/// How long this client waits for a run.
struct WaitLimitFlags: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "How long this client waits (90s, 10m, 2h); then it prints the run ID and exits 4.",
            valueName: "duration"))
    var wait: WaitDuration?
}

/// Where a record goes and how much is said on stderr.
struct OutputFlags: ParsableArguments {
    @Option(
        name: [.customShort("o"), .customLong("output-file")],
        help: ArgumentHelp("Write the output to this file (whole or not at all) instead of stdout.", valueName: "path"))
    var outputFile: String?

    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Record of the run's default key-value store to print.", valueName: "key"))
    var key = "OUTPUT"

    @Flag(help: "Print the run's default dataset items instead of a record.")
    var dataset = false

    @Option(help: ArgumentHelp("Dataset format: json, jsonl, csv, xml, html, xlsx, rss.", valueName: "format"))
    var format = "json"

    @Flag(help: "Print the final run object (the API's JSON, unchanged) instead of the output.")
    var json = false

    @Flag(
        inversion: .prefixedNo,
        help: "Stream the run's log to stderr while waiting (default: when stderr is a terminal).")
    var logs: Bool?

    @Flag(name: [.short, .long], help: "Print nothing on stderr but errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Print each HTTP request and response line on stderr (never the token).")
    var verbose = false

    var reporter: Reporter { Reporter(isQuiet: quiet) }

    func validate() throws {
        if json && (dataset || key != "OUTPUT") {
            throw ValidationError("--json prints the run object; it cannot be combined with --dataset or --key")
        }
        if dataset && key != "OUTPUT" {
            throw ValidationError("--dataset prints the dataset; it cannot be combined with --key")
        }
        if !Self.formats.contains(format) {
            throw ValidationError("--format must be one of \(Self.formats.joined(separator: ", ")), got '\(format)'")
        }
    }

    static let formats = ["json", "jsonl", "csv", "xml", "html", "xlsx", "rss"]

    /// What to print and whether to stream the log, as these flags say.
    func followPlan(waitLimit: Duration?) -> FollowPlan {
        let output: RunOutput = json ? .runObject : dataset ? .datasetItems(format: format) : .record(key: key)
        let streamsLog = !quiet && (logs ?? (isatty(STDERR_FILENO) == 1))
        return FollowPlan(waitLimit: waitLimit, output: output, log: streamsLog ? StandardErrorDestination() : nil)
    }
}
