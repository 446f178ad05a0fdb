import ApifyClient
import ArgumentParser

/// `actor-run wait <run-id>`: attach to a run started elsewhere, wait for it, print its record.
struct WaitCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Attach to an existing run: wait for it to end, then print its output.",
        usage: "actor-run wait <run-id> [options]",
        discussion: HelpText.wait
    )

    @Argument(help: "The run ID, as `actor-run` printed it.")
    var runID: RunID

    @OptionGroup var waiting: WaitLimitFlags
    @OptionGroup var output: OutputFlags
    @OptionGroup var connection: ConnectionFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        await output.reporter.reportingFailures {
            let session = try connection.session(reporter: output.reporter, isVerbose: output.verbose)
            return await session.attach(
                runID: runID.value, output.followPlan(waitLimit: waiting.wait?.duration), outputFile: output.outputFile,
                interrupts: interrupts)
        }
    }
}
