import ApifyClient
import ArgumentParser
import CurlHTTP
import Dispatch
import Glibc

/// The process entry: parses the command line, runs the command, exits with the contract's code.
///
/// Parse failures print one line (not ArgumentParser's usage block) and exit 64; `--help` prints the full help
/// on stdout. SIGINT and SIGTERM go to `Interrupts`.
public enum ActorRunMain {
    /// Parses and starts the command on this thread, while libcurl loads on another (CProcessSetup).
    ///
    /// No thread can be created while that one is inside `dlopen` (glibc's loader lock), and the concurrency
    /// runtime makes its threads on first use. So the parse runs here, before any of them, and the command starts
    /// with `Task.immediate`: it reads its input, token and CA file on this thread too, and first waits for
    /// libcurl when it makes its API session (`ConnectionFlags.session`). Until its first request goes out,
    /// everything overlaps the load instead of queueing behind it (make bench: about 2 ms sooner per run).
    public static func main() -> Never {
        // Closed standard descriptors, core dumps and SIGPIPE were seen to before main (CProcessSetup).
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] {
            // Scripts ask this often: no parser (its reflection costs a few milliseconds of start-up) for it.
            FileDescriptorWriter.write(HelpText.version + "\n", to: STDOUT_FILENO)
            exit(0)
        }
        let command = parse(arguments)
        let interrupts = Interrupts()
        let work = Task.immediate {
            let status = await command.execute(interrupts: interrupts)
            // What the command wrote is written: outputs renamed into place, descriptors written through. Only
            // other libraries' exit handlers are left (OpenSSL freeing its tables, each library's destructors):
            // half a millisecond that changes nothing. Flush stdio and go.
            fflush(nil)
            _exit(status.rawValue)
        }
        interrupts.setFallback { work.cancel() }
        // The command runs on the concurrency runtime's threads and ends the process itself: this thread has
        // nothing left to do. (Not `dispatchMain()`: nothing here runs on the main queue, and setting that queue
        // up takes a descriptor, whose lack (EMFILE) Dispatch answers by crashing.)
        while true { pause() }
    }

    /// The command the arguments name, or the process ends here: help on stdout (0), or one line on stderr (64).
    static func parse(_ arguments: [String]) -> any ActorRunSubcommand {
        do {
            return try parseCommand(arguments)
        } catch {
            let status = ActorRunCommand.exitCode(for: error)
            if status == .success {
                FileDescriptorWriter.write(ActorRunCommand.fullMessage(for: error) + "\n", to: STDOUT_FILENO)
                exit(0)
            }
            FileDescriptorWriter.write("actor-run: \(usageLine(for: error, arguments))\n", to: STDERR_FILENO)
            exit(ExitStatus.usage.rawValue)
        }
    }

    /// Parses as `actor-run` does, throwing what ArgumentParser or a `validate()` threw.
    static func parseCommand(_ arguments: [String]) throws -> any ActorRunSubcommand {
        if let word = arguments.first, let failure = UnknownCommand(word) {
            throw failure
        }
        var parsed = try ActorRunCommand.parseAsRoot(arguments)
        guard let command = parsed as? any ActorRunSubcommand else {
            // `actor-run help <command>`: its run() throws the help request for that command.
            try parsed.run()
            throw CleanExit.helpRequest(parsed)
        }
        return command
    }

    /// One line for a usage error: the parser's first line, a suggestion only when it is a near miss, and where
    /// the command's help is.
    static func usageLine(for error: any Error, _ arguments: [String]) -> String {
        if let unknown = error as? UnknownCommand { return unknown.description }
        let lines = ActorRunCommand.message(for: error).split(separator: "\n")
        var line = lines.first.map(String.init) ?? "bad usage"
        if line.hasPrefix("Error: ") { line.removeFirst(7) }
        // "Please provide one of the following:" and the values a line each, as one line.
        let values = lines.dropFirst().map { $0.drop { $0 == " " || $0 == "-" } }.filter { !$0.isEmpty }
        if line.hasSuffix(":"), !values.isEmpty { line += " " + values.joined(separator: ", ") }
        line = NearMiss.dropFarSuggestion(from: line)
        let command = arguments.first.flatMap { ActorRunCommand.commandNames.contains($0) ? $0 : nil } ?? "run"
        return "\(line) (see actor-run help \(command))"
    }
}

/// The root of the command tree: `actor-run <command>`, with `run` the default, so that `actor-run <actor>`
/// starts a run, and `help <command>`, the SUBCOMMANDS section, completions and the man page come from here.
struct ActorRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor-run",
        abstract: "Run Apify actors from a shell or CI: start a run, wait for it, print its output.",
        usage: "actor-run [run] <actor> [options]\nactor-run <command> [arguments] [options]",
        discussion: HelpText.overview,
        version: HelpText.version,
        subcommands: [
            RunCommand.self, TaskCommand.self, ResurrectCommand.self, WaitCommand.self, OutputCommand.self,
            LogCommand.self, AbortCommand.self, RunsCommand.self, BatchCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )

    /// The word that names each command.
    static var commandNames: [String] {
        configuration.subcommands.compactMap { $0.configuration.commandName }
    }
}

/// A command of `actor-run`: parsed from the words after its name (`run`'s name may be left out).
protocol ActorRunSubcommand: ParsableCommand {
    func execute(interrupts: Interrupts) async -> ExitStatus
}

/// A first word that is neither a command nor an actor (`actor-run list`, `actor-run ouput ID`): a usage error
/// naming the nearest command, never a run of an actor by that name.
struct UnknownCommand: Error, CustomStringConvertible {
    var word: String
    var suggestion: String?

    /// Nil when the word names a command, looks like an actor (`user/name`, `user~name`, an ID) or is a flag.
    init?(_ word: String) {
        // The common case first: an actor reference never needs the command names.
        guard !word.contains("/"), !word.contains("~"), !word.hasPrefix("-"), !ActorReference.isPlatformID(word),
            word != "help", !ActorRunCommand.commandNames.contains(word)
        else { return nil }
        self.word = word
        suggestion = NearMiss.closest(to: word, among: ActorRunCommand.commandNames)
    }

    var description: String {
        let guess = suggestion.map { " Did you mean '\($0)'?" } ?? ""
        return "'\(word)' is not a command, and not an actor (user/name, user~name or a 17-character ID).\(guess) "
            + "(see actor-run --help)"
    }
}

/// Suggestions only for near misses: one edit for short words, two for longer ones (a swap of two letters is one
/// edit), so that `ouput` suggests `output` and `--memroy` suggests `--memory`, but `--bogus` suggests nothing.
enum NearMiss {
    static func closest(to word: String, among candidates: [String]) -> String? {
        candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= allowed(for: word) }.min { $0.1 < $1.1 }?.0
    }

    /// ArgumentParser's "Unknown option '--x'. Did you mean '--y'?" without the question when `--y` is far.
    static func dropFarSuggestion(from line: String) -> String {
        let marker = ". Did you mean '"
        guard let unknownStart = line.firstIndex(of: "'"), let markerRange = line.firstRange(of: marker),
            line.hasSuffix("'?")
        else { return line }
        let unknown = line[line.index(after: unknownStart)..<markerRange.lowerBound].dropLast()
        let suggested = line[markerRange.upperBound...].dropLast(2)
        let bare = { (name: Substring) in String(name.drop { $0 == "-" }) }
        guard distance(bare(unknown), bare(suggested)) > allowed(for: bare(unknown)) else { return line }
        return String(line[..<markerRange.lowerBound])
    }

    private static func allowed(for word: String) -> Int {
        word.count <= 5 ? 1 : 2
    }

    /// Edit distance with adjacent swaps (optimal string alignment).
    static func distance(_ first: String, _ second: String) -> Int {
        let a = Array(first)
        let b = Array(second)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
