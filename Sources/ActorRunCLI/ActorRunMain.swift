import ArgumentParser
import CurlHTTP
import Dispatch
import Glibc

/// The process entry: parses the command line, runs the command, exits with the contract's code.
///
/// Parse failures print one line (not ArgumentParser's usage block) and exit 64; `--help` prints the full help
/// on stdout. SIGINT and SIGTERM go to `Interrupts`.
public enum ActorRunMain {
    /// The commands besides `run`, by the word that names them.
    static let subcommands: [String: any ActorRunSubcommand.Type] = [
        "run": RunCommand.self,
        "task": TaskCommand.self,
        "resurrect": ResurrectCommand.self,
        "wait": WaitCommand.self,
        "output": OutputCommand.self,
        "log": LogCommand.self,
        "abort": AbortCommand.self,
        "batch": BatchCommand.self,
        "runs": RunsCommand.self,
    ]

    public static func main() async -> Never {
        // Closed standard descriptors, core dumps and SIGPIPE were seen to before main (CProcessSetup).
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] {
            // Scripts ask this often: no parser (its reflection costs a few milliseconds of start-up) for it.
            FileDescriptorWriter.write(HelpText.version + "\n", to: STDOUT_FILENO)
            exit(0)
        }
        if arguments.first == "help" {
            // `actor-run help [command]`, as git and gh have it.
            arguments = Array(arguments.dropFirst()) + ["--help"]
        }
        let type = commandType(taking: &arguments)
        let command = parse(type, arguments)
        // Loading since before main (CProcessSetup) unless the arguments only asked for help.
        do {
            try CurlLibrary.load()
        } catch {
            FileDescriptorWriter.write("actor-run: \(error.message)\n", to: STDERR_FILENO)
            exit(ExitStatus.apiUnreachable.rawValue)
        }
        let interrupts = Interrupts()
        let work = Task { await command.execute(interrupts: interrupts) }
        interrupts.setFallback { work.cancel() }
        let status = await work.value
        exit(status.rawValue)
    }

    /// The command the first word names (taken off the arguments), or `run` when it names none.
    static func commandType(taking arguments: inout [String]) -> any ActorRunSubcommand.Type {
        guard let word = arguments.first, let named = subcommands[word] else { return RunCommand.self }
        arguments.removeFirst()
        return named
    }

    private static func parse(_ type: any ActorRunSubcommand.Type, _ arguments: [String]) -> any ActorRunSubcommand {
        do {
            let parsed = try type.parseAsRoot(arguments)
            guard let command = parsed as? any ActorRunSubcommand else { throw CleanExit.helpRequest(parsed) }
            return command
        } catch {
            let status = type.exitCode(for: error)
            if status == .success {
                FileDescriptorWriter.write(type.fullMessage(for: error) + "\n", to: STDOUT_FILENO)
                exit(0)
            }
            let message = type.message(for: error).split(separator: "\n").first.map(String.init) ?? "bad usage"
            let line = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            let help = "\(type._commandName) --help"
            FileDescriptorWriter.write("actor-run: \(line) (see \(help))\n", to: STDERR_FILENO)
            exit(ExitStatus.usage.rawValue)
        }
    }
}

/// A command of `actor-run` other than the default `run`: parsed from the words after its name.
protocol ActorRunSubcommand: ParsableCommand {
    func execute(interrupts: Interrupts) async -> ExitStatus
}
