import ApifyClient
import ArgumentParser
import FoundationEssentials

/// `actor-run <actor>` (also spelled `actor-run run <actor>`): start an actor, wait, print its OUTPUT record.
struct RunCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an actor, wait for it to finish, and print its OUTPUT record (the default command).",
        usage: "actor-run [run] <actor> [options]",
        discussion: HelpText.run
    )

    @Argument(help: "The actor: user/name, user~name or an actor ID.", transform: ActorArgument.actor)
    var actor: ActorReference

    @OptionGroup(title: "Run options")
    var run: RunFlags

    @OptionGroup(title: "Input")
    var input: InputFlags

    @OptionGroup var start: StartFlags

    func execute(interrupts: Interrupts) async -> ExitStatus {
        await start.execute(interrupts: interrupts) { reporter in
            (.actor(actor), try run.options(), try input.read(reporter: reporter))
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
        name: .customLong("wait-for-resources"),
        help: "On the platform's memory or concurrent-run limit (402), keep trying to start until --wait passes.")
    var waitForResources = false

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
        if detach {
            // --detach returns at once: nothing that is about the run's end or its output can apply.
            let ignored: [(Bool, String)] = [
                (output.outputFile != nil, "--output-file"), (output.dataset, "--dataset"),
                (output.outputObject, "--output-object"), (output.printed.map { $0 != .run } ?? false, "--print"),
                (output.key != .default, "--key"), (output.logs == true, "--logs"), (waiting.wait != nil, "--wait"),
            ]
            if let (_, flag) = ignored.first(where: { $0.0 }) {
                throw ValidationError("--detach returns once the run has started; it cannot be combined with \(flag)")
            }
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
            var plan = CallPlan(
                target: target,
                options: options,
                input: input,
                detaches: detach,
                waitsForResources: waitForResources,
                follow: output.followPlan(waitLimit: waiting.wait?.duration)
            )
            // A run that ends within 2 s is started, waited for and seen ending in one request.
            plan.startHold = 2
            var session = try connection.session(reporter: reporter, isVerbose: output.verbose, requiresToken: true)
            session.abortsOnInterrupt = !noAbortOnInterrupt
            return await session.call(plan, outputFile: output.outputFile, interrupts: interrupts)
        }
    }
}
