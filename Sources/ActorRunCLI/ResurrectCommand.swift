import ApifyClient
import ArgumentParser

/// `actor-run resurrect <run-id>`: bring an ended run back (same storages), wait, print its output.
struct ResurrectCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "resurrect",
        abstract: "Resurrect an ended run, wait for it to finish, and print its output.",
        usage: "actor-run resurrect <run-id> [options]",
        discussion: HelpText.resurrect
    )

    @Argument(help: "The run ID.")
    var runID: RunID

    @OptionGroup(title: "Run options")
    var run: RunFlags

    @OptionGroup var start: StartFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        await start.execute(interrupts: interrupts) { _ in
            (.resurrection(runID: runID.value), try run.options(), nil)
        }
    }
}
