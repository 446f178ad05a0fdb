import ApifyClient
import ArgumentParser

/// `actor-run task <task>`: run a saved task; the input's fields override the task's, one by one.
struct TaskCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "actor-run task",
        abstract: "Run a saved task, wait for it to finish, and print its OUTPUT record.",
        discussion: "The input must be a JSON object: its fields override the task's. Exit codes are those of "
            + "`actor-run <actor>`."
    )

    @Argument(help: "The task: user/name, user~name or a task ID.")
    var task: String

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
                .task(try ActorReference(parsing: task, naming: "a task")), try run.options(),
                try input.read(reporter: reporter)
            )
        }
    }
}
