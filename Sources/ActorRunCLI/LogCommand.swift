import ApifyClient
import ArgumentParser

/// `actor-run log <run-id>`: print a run's log on stdout (here the log is the data asked for).
struct LogCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print a run's log, or follow it until the run ends.",
        usage: "actor-run log <run-id> [--follow] [options]",
        discussion: HelpText.log
    )

    @Argument(help: "The run ID.")
    var runID: RunID

    @Flag(name: [.customShort("F"), .long], help: "Keep printing as the run writes, until it ends.")
    var follow = false

    @OptionGroup var verbosity: VerbosityFlags
    @OptionGroup var connection: ConnectionFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        let reporter = verbosity.reporter
        return await reporter.reportingFailures {
            let api = try connection.session(reporter: reporter, isVerbose: verbosity.verbose).makeAPI()
            interrupts.arm()
            _ = try await api.streamLog(runID: runID.value, follows: follow, to: StandardOutputDestination())
            return .success
        }
    }
}
