import ApifyClient
import ArgumentParser

/// `actor-run output <run-id>`: print a run's record (or items, or run object) as it is now, without waiting.
struct OutputCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "output",
        abstract: "Print the output of a run as it is now, without waiting.",
        usage: "actor-run output <run-id> [options]",
        discussion: HelpText.output
    )

    @Argument(help: "The run ID.")
    var runID: RunID

    @OptionGroup var output: OutputFlags
    @OptionGroup var connection: ConnectionFlags

    func validate() throws {
        if output.logs != nil {
            throw ValidationError(
                "--logs streams a run's log while waiting; `output` does not wait (see `actor-run log`)")
        }
    }

    func execute(interrupts: Interrupts) async -> ExitStatus {
        await output.reporter.reportingFailures {
            let session = try connection.session(reporter: output.reporter, isVerbose: output.verbose)
            return await session.output(
                runID: runID.value, output.runOutput, outputFile: output.outputFile,
                interrupts: interrupts)
        }
    }
}
