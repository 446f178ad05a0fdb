import ApifyClient
import ArgumentParser

/// `actor-run abort <run-id>`: abort a run, gracefully unless `--force`, and report its final status.
struct AbortCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abort a run: gracefully (the actor gets time to save its state) unless --force.",
        usage: "actor-run abort <run-id> [--force] [options]",
        discussion: HelpText.abort
    )

    @Argument(help: "The run ID.")
    var runID: RunID

    @Flag(help: "Stop the run at once instead of gracefully.")
    var force = false

    @OptionGroup var verbosity: VerbosityFlags
    @OptionGroup var connection: ConnectionFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        let reporter = verbosity.reporter
        return await reporter.reportingFailures {
            let api = try connection.session(reporter: reporter, isVerbose: verbosity.verbose, requiresToken: true)
                .makeAPI()
            let run = try await api.abortRun(id: runID.value, gracefully: !force)
            reporter.info("run \(run.id): \(run.status)")
            return .success
        }
    }
}
