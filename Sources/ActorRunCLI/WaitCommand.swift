import ApifyClient
import ArgumentParser

/// `actor-run wait <run-id>`: attach to a run started elsewhere, wait for it, print its record.
struct WaitCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Attach to an existing run: wait for it to end, then print its output.",
        discussion: "Exit codes are those of `actor-run <actor>`. An interrupt leaves the run going."
    )

    @Argument(help: "The run ID, as `actor-run` printed it.")
    var runID: String

    @OptionGroup var waiting: WaitLimitFlags
    @OptionGroup var output: OutputFlags
    @OptionGroup var connection: ConnectionFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        await output.reporter.reportingFailures {
            let session = try connection.session(reporter: output.reporter, isVerbose: output.verbose)
            interrupts.arm()
            return await session.attach(
                runID: runID, output.followPlan(waitLimit: waiting.wait?.duration), outputFile: output.outputFile,
                interrupts: interrupts)
        }
    }
}

/// `actor-run abort <run-id>`: abort a run, gracefully unless `--force`, and report its final status.
struct AbortCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abort a run (gracefully: the actor gets the aborting event and time to save its state).",
        discussion: "Exits 0 once the platform has taken the abort; aborting an ended run changes nothing."
    )

    @Argument(help: "The run ID.")
    var runID: String

    @Flag(help: "Stop the run at once instead of gracefully.")
    var force = false

    @Flag(name: [.short, .long], help: "Print nothing on stderr but errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Print each HTTP request and response line on stderr (never the token).")
    var verbose = false

    @OptionGroup var connection: ConnectionFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        let reporter = Reporter(isQuiet: quiet)
        return await reporter.reportingFailures {
            let api = try connection.session(reporter: reporter, isVerbose: verbose).makeAPI()
            let run = try await api.abortRun(id: runID, gracefully: !force)
            reporter.info("run \(run.id): \(run.status)")
            return .success
        }
    }
}

/// A command of `actor-run` other than the default `run`: parsed from the words after its name.
protocol ActorRunSubcommand: ParsableCommand {
    func execute(interrupts: Interrupts) async -> ExitStatus
}

/// `actor-run output <run-id>`: print a run's record (or items, or run object) as it is now, without waiting.
struct OutputCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "output",
        abstract: "Print the output of a run as it is now, without waiting.",
        discussion: "Exits 0 when the output was written, 5 when the record is missing."
    )

    @Argument(help: "The run ID.")
    var runID: String

    @OptionGroup var output: OutputFlags
    @OptionGroup var connection: ConnectionFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        await output.reporter.reportingFailures {
            let session = try connection.session(reporter: output.reporter, isVerbose: output.verbose)
            interrupts.arm()
            return await session.output(
                runID: runID, output.followPlan(waitLimit: nil).output, outputFile: output.outputFile,
                interrupts: interrupts)
        }
    }
}

/// `actor-run log <run-id>`: print a run's log on stdout (here the log is the data asked for).
struct LogCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print a run's log, or follow it until the run ends.",
        discussion: "The log goes to stdout: here it is the data asked for."
    )

    @Argument(help: "The run ID.")
    var runID: String

    @Flag(name: [.customShort("F"), .long], help: "Keep printing as the run writes, until it ends.")
    var follow = false

    @Flag(name: [.short, .long], help: "Print each HTTP request and response line on stderr (never the token).")
    var verbose = false

    @OptionGroup var connection: ConnectionFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        let reporter = Reporter(isQuiet: true)
        return await reporter.reportingFailures {
            let api = try connection.session(reporter: reporter, isVerbose: verbose).makeAPI()
            interrupts.arm()
            _ = try await api.streamLog(runID: runID, follows: follow, to: StandardOutputDestination())
            return .success
        }
    }
}
