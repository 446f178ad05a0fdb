import ApifyClient
import ArgumentParser
import FoundationEssentials
import Glibc
import Synchronization

/// `actor-run batch <actor> --inputs FILE`: one run per line of a JSON Lines file, N at a time, resumable.
struct BatchCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run an actor once per line of a JSON Lines file, N at a time; resumable with --output-dir.",
        usage: "actor-run batch <actor> --inputs <file> [--parallel <n>] [options]",
        discussion: HelpText.batch
    )

    @Argument(help: "The actor: user/name, user~name or an actor ID.", transform: ActorArgument.actor)
    var actor: ActorReference

    @Option(
        name: .customLong("inputs"),
        help: ArgumentHelp("JSON Lines: one input per line (- = stdin).", valueName: "file"))
    var inputs: String

    @OptionGroup(title: "Run options")
    var run: RunFlags

    @Option(help: ArgumentHelp("At most this many runs unfinished at once (default 4).", valueName: "n"))
    var parallel = 4

    @Option(
        name: .customLong("output-dir"),
        help: ArgumentHelp("Write each line's output and runs.jsonl here; makes the batch resumable.", valueName: "dir")
    )
    var outputDirectory: String?

    @Flag(name: .customLong("retry-failed"), help: "Run again the lines that ended FAILED, TIMED-OUT or ABORTED.")
    var retryFailed = false

    @Option(name: [.short, .long], help: ArgumentHelp("Record to fetch for each line.", valueName: "key"))
    var key = "OUTPUT"

    @OptionGroup var verbosity: VerbosityFlags
    @OptionGroup var connection: ConnectionFlags

    func validate() throws {
        guard (1...256).contains(parallel) else {
            throw ValidationError("--parallel must be from 1 to 256, got \(parallel)")
        }
        let keyCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!-_.'()")
        if key.isEmpty || key.count > 256 || !key.allSatisfy(keyCharacters.contains) {
            throw ValidationError("--key must be a record key (letters, digits and !-_.'() only), got '\(key)'")
        }
        if retryFailed && outputDirectory == nil {
            throw ValidationError("--retry-failed resumes a batch: it needs --output-dir")
        }
    }

    func execute(interrupts: Interrupts) async -> ExitStatus {
        let reporter = verbosity.reporter
        return await reporter.reportingFailures {
            let target = RunTarget.actor(actor)
            let options = try run.options()
            let (path, count, spool) = try Self.checkLines(inputs)
            defer { if let spool { unlink(spool) } }
            let output = try outputDirectory.map { directory throws(CommandFailure) in try BatchOutput(directory) }
            let (parallel, descriptors) = Self.descriptorBound(parallel)
            var session = try connection.session(reporter: reporter, isVerbose: verbosity.verbose, requiresToken: true)
            // A connection per run in flight, no more kept idle: what descriptorBound counts on.
            session.maxConnections = parallel
            let journal = try output.map { output throws(ApifyError) in try BatchJournal(directory: output.directory) }
            let plan = BatchPlan(
                target: target, options: options, parallel: parallel, retriesFailed: retryFailed,
                output: .record(key: key), markerPrefix: session.configuration.userAgent)
            let runner = BatchRunner(api: session.makeAPI(), plan: plan, journal: journal)
            let progress = BatchProgress(
                total: count, reporter: reporter, isQuiet: verbosity.quiet, key: key, isResumable: output != nil)
            if let descriptors {
                let reason = "only \(descriptors) files may be open at once (ulimit -n)"
                progress.show(.capped(parallel: parallel, reason: reason))
            }
            interrupts.arm {
                runner.interrupt()
                progress.interrupted()
            }
            let lines = Mutex<InputLines?>(try InputLines(path: path))
            let captures = Mutex<[Int: any BatchCapture]>([:])
            let summary = await runner.run(
                next: { () throws(ApifyError) -> BatchLine? in
                    try lines.withLock { (reader: inout InputLines?) throws(ApifyError) -> BatchLine? in
                        do throws(CommandFailure) {
                            guard let line = try reader?.next() else { return nil }
                            return BatchLine(number: line.number, input: RunInput(bytes: Array(line.bytes)))
                        } catch {
                            throw ApifyError(kind: .invalidArgument, message: error.message)
                        }
                    }
                },
                destination: { number in
                    let capture: any BatchCapture = try output?.file(line: number) ?? MemoryCapture()
                    captures.withLock { $0[number] = capture }
                    return capture
                },
                finish: { number, outcome in
                    let capture = captures.withLock { $0.removeValue(forKey: number) }
                    if let output { return output.finish(line: number, outcome, capture as? BatchOutputFile) }
                    BatchOutput.printLine(number, outcome, capture as? MemoryCapture)
                    return nil
                },
                events: { progress.show($0) }
            )
            return progress.finish(summary)
        }
    }

    /// Beyond the 32 descriptors the process needs (CProcessSetup's floor), a run in flight may hold two: its
    /// connection (libcurl keeps no more open than runs at once), and its output file while the record comes in.
    /// More runs at once than the limit leaves room for would fail to connect or to write their output, so the
    /// batch runs fewer. Returns how many, and the limit when it is what bounds them.
    private static func descriptorBound(_ parallel: Int) -> (Int, UInt64?) {
        var files = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files) == 0 else { return (parallel, nil) }
        let limit = UInt64(files.rlim_cur)
        let room = max(1, Int(clamping: (max(limit, 32) - 32) / 2))
        return room < parallel ? (room, limit) : (parallel, nil)
    }

    /// Checks every line before anything starts; stdin is kept in a temporary file meanwhile, so that it can be
    /// read again line by line. Returns the path to run from, the line count, and the spool to remove.
    private static func checkLines(_ path: String) throws(CommandFailure) -> (String, Int, String?) {
        let reader = try InputLines(path: path)
        var spool: (fd: Int32, path: String)?
        if path == "-" {
            var template = Array(
                "\(ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")/actor-run-inputs-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else {
                throw CommandFailure(status: .inputUnreadable, message: "cannot keep stdin in a temporary file")
            }
            spool = (fd, String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        var count = 0
        var spooled = 0
        defer { if let spool { close(spool.fd) } }
        do throws(CommandFailure) {
            while let line = try reader.next() {
                do {
                    try JSONSyntaxChecker.check(Array(line.bytes))
                } catch {
                    throw CommandFailure(
                        status: .badInput,
                        message: "--inputs \(path == "-" ? "stdin" : "'\(path)'"), line \(line.number), column"
                            + " \(error.column): not JSON: \(error.reason)")
                }
                count += 1
                if let spool {
                    // Blank lines keep their numbers: the spool holds every line, blank ones empty.
                    var bytes = [UInt8](repeating: 0x0A, count: line.number - 1 - spooled)
                    bytes += line.bytes
                    bytes.append(0x0A)
                    spooled = line.number
                    let failure = bytes.withUnsafeBytes { buffer -> FileDescriptorWriter.WriteFailure? in
                        do throws(FileDescriptorWriter.WriteFailure) {
                            try FileDescriptorWriter.write(buffer, to: spool.fd)
                            return nil
                        } catch {
                            return error
                        }
                    }
                    if let failure {
                        throw CommandFailure(status: .inputUnreadable, message: "cannot keep stdin: \(failure)")
                    }
                }
            }
        } catch {
            if let spool { unlink(spool.path) }
            throw error
        }
        if count == 0 {
            if let spool { unlink(spool.path) }
            throw CommandFailure(
                status: .badInput, message: "--inputs \(path == "-" ? "stdin" : "'\(path)'") has no lines")
        }
        return (spool?.path ?? path, count, spool?.path)
    }
}
