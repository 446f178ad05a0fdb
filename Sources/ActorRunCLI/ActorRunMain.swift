import ArgumentParser
import Dispatch
import Glibc

/// The process entry: parses the command line, runs the command, exits with the contract's code.
///
/// Parse failures print one line (not ArgumentParser's usage block) and exit 64; `--help` prints the full help
/// on stdout. SIGINT and SIGTERM go to `Interrupts`.
public enum ActorRunMain {
    public static func main() async -> Never {
        signal(SIGPIPE, SIG_IGN)
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "run" { arguments.removeFirst() }
        let command: RunCommand
        do {
            command = try RunCommand.parse(arguments)
        } catch {
            let status = RunCommand.exitCode(for: error)
            if status == .success {
                FileDescriptorWriter.write(RunCommand.fullMessage(for: error) + "\n", to: STDOUT_FILENO)
                exit(0)
            }
            let message = RunCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "bad usage"
            let line = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            FileDescriptorWriter.write("actor-run: \(line) (see actor-run --help)\n", to: STDERR_FILENO)
            exit(ExitStatus.usage.rawValue)
        }
        let interrupts = Interrupts()
        let work = Task { await command.execute(interrupts: interrupts) }
        interrupts.onFirst { work.cancel() }
        let status = await work.value
        exit(status.rawValue)
    }
}
