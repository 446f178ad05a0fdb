import ApifyClient
import ArgumentParser

/// `actor-run task <task>`: run a saved task; the input's fields override the task's, one by one.
struct TaskCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Run a saved task, wait for it to finish, and print its OUTPUT record.",
        usage: "actor-run task <task> [options]",
        discussion: HelpText.task
    )

    @Argument(help: "The task: user/name, user~name or a task ID.", transform: ActorArgument.task)
    var task: ActorReference

    @OptionGroup(title: "Run options")
    var run: RunFlags

    @OptionGroup(title: "Input")
    var input: InputFlags

    @OptionGroup var start: StartFlags

    func validate() throws {
        if !RunInput.isJSON(contentType: input.contentType) {
            throw ValidationError("a task's input must be JSON (it is merged into the task's input)")
        }
    }

    func execute(interrupts: Interrupts) async -> ExitStatus {
        await start.execute(interrupts: interrupts) { reporter in
            (
                .task(task), try run.options(),
                try input.read(reporter: reporter)
            )
        }
    }
}
