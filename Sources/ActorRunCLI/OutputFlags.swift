import ApifyClient
import ArgumentParser
import FoundationEssentials
import Glibc

/// How long this client waits for a run.
struct WaitLimitFlags: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "How long this client waits (90s, 10m, 2h); then it prints the run ID and exits 4.",
            valueName: "duration"),
        transform: WaitDuration.init(flag:))
    var wait: WaitDuration?
}

/// Where a record goes and how much is said on stderr.
struct OutputFlags: ParsableArguments {
    @Option(
        name: [.customShort("o"), .customLong("output-file")],
        help: ArgumentHelp("Write the output to this file (whole or not at all) instead of stdout.", valueName: "path"))
    var outputFile: String?

    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Record of the run's default key-value store to print.", valueName: "key"),
        transform: RecordKey.init(flag:))
    var key = RecordKey.default

    @Flag(help: "Print the run's default dataset items instead of a record.")
    var dataset = false

    @Option(
        name: .customLong("format"),
        help: ArgumentHelp("With --dataset: the items' format (default json).", valueName: "format"))
    var formatOption: DatasetFormat?

    var format: DatasetFormat { formatOption ?? .json }

    @Option(
        parsing: .unconditional, help: ArgumentHelp("With --dataset: skip this many items.", valueName: "n"),
        transform: WholeNumber.offset)
    var offset: Int?

    @Option(
        parsing: .unconditional, help: ArgumentHelp("With --dataset: print at most this many items.", valueName: "n"),
        transform: WholeNumber.limit)
    var limit: Int?

    @Option(help: ArgumentHelp("With --dataset: only these fields (comma-separated).", valueName: "a,b"))
    var fields: String?

    @Option(help: ArgumentHelp("With --dataset: leave these fields out (comma-separated).", valueName: "a,b"))
    var omit: String?

    @Flag(help: "With --dataset: skip empty items and hidden fields (those starting with #).")
    var clean = false

    var datasetOptions: DatasetOptions {
        let list: (String?) -> [String] = { text in
            (text ?? "").split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        return DatasetOptions(offset: offset, limit: limit, fields: list(fields), omit: list(omit), clean: clean)
    }

    @Flag(help: "Print the final run object (the API's JSON, unchanged) instead of the output.")
    var json = false

    @Flag(
        name: .customLong("output-object"),
        help: "Print the run's Actor output object (what the actor's output schema makes of the run).")
    var outputObject = false

    @Option(
        name: .customLong("print"),
        help: ArgumentHelp(
            "What to print: record (default), dataset, output-object, run, or auto (the record if the run wrote"
                + " it, else the dataset's items).",
            valueName: "what"))
    var printed: PrintedOutput?

    /// What these flags ask for, with the flag that asked; `--print record` is the default said out loud.
    private var requested: [(PrintedOutput, String)] {
        var requested: [(PrintedOutput, String)] = []
        if dataset { requested.append((.dataset, "--dataset")) }
        if json { requested.append((.run, "--json")) }
        if outputObject { requested.append((.outputObject, "--output-object")) }
        if let printed { requested.append((printed, "--print \(printed.rawValue)")) }
        return requested
    }

    /// What to print, once the flags are known to agree.
    var printedOutput: PrintedOutput { requested.first?.0 ?? .record }

    @Flag(
        inversion: .prefixedNo,
        help: "Stream the run's log to stderr while waiting (default: when stderr is a terminal).")
    var logs: Bool?

    @OptionGroup var verbosity: VerbosityFlags

    var reporter: Reporter { verbosity.reporter }
    var verbose: Bool { verbosity.verbose }

    func validate() throws {
        let requested = self.requested
        if let (mode, flag) = requested.first, let (_, other) = requested.dropFirst().first(where: { $0.0 != mode }) {
            throw ValidationError("\(flag) and \(other) ask for different output; use one")
        }
        let datasetOnly: [(Bool, String)] = [
            (formatOption != nil, "--format"), (offset != nil, "--offset"), (limit != nil, "--limit"),
            (fields != nil, "--fields"), (omit != nil, "--omit"), (clean, "--clean"),
        ]
        if printedOutput != .dataset, let (_, flag) = datasetOnly.first(where: { $0.0 }) {
            throw ValidationError("\(flag) applies to the dataset's items; it needs --dataset")
        }
        if key != .default, let (_, flag) = requested.first(where: { $0.0 != .record && $0.0 != .auto }) {
            throw ValidationError("\(flag) prints no record; it cannot be combined with --key")
        }
        if outputFile?.isEmpty == true {
            throw ValidationError("--output-file needs a path")
        }
    }

    /// What these flags ask to print once the run has ended.
    var runOutput: RunOutput {
        switch printedOutput {
        case .record: .record(key: key.value)
        case .dataset: .datasetItems(format: format.rawValue, options: datasetOptions)
        case .outputObject: .outputObject
        case .run: .runObject
        case .auto: .recordOrItems(key: key.value)
        }
    }

    /// What to print and whether to stream the log, as these flags say.
    func followPlan(waitLimit: Duration?) -> FollowPlan {
        let streamsLog = !verbosity.quiet && (logs ?? (isatty(STDERR_FILENO) == 1))
        return FollowPlan(waitLimit: waitLimit, output: runOutput, log: streamsLog ? StandardErrorDestination() : nil)
    }
}

/// How much goes to stderr.
struct VerbosityFlags: ParsableArguments {
    @Flag(name: [.short, .long], help: "Print nothing on stderr but errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Print each HTTP request and response line on stderr (never the token).")
    var verbose = false

    func validate() throws {
        if quiet && verbose {
            throw ValidationError("--quiet and --verbose contradict each other; use one")
        }
    }

    var reporter: Reporter { Reporter(isQuiet: quiet) }
}
