import ApifyClient
import FoundationEssentials
import Glibc
import Synchronization

/// A destination of one batch line's output, kept until the line is finished.
protocol BatchCapture: RecordDestination {}

/// A line's record in the output directory: a temporary file while it arrives, renamed to `NNNNNN.<ext>` once
/// the content type is known, so the file appears whole or not at all.
final class BatchOutputFile: BatchCapture, @unchecked Sendable {
    private let temporary: AtomicFileDestination
    let temporaryPath: String
    let mayBlock = false

    init(directory: String, line: Int) throws {
        temporaryPath = "\(directory)/\(BatchOutput.baseName(line))"
        temporary = try AtomicFileDestination(path: temporaryPath, mode: 0o666 & ~BatchOutput.umask)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws { try temporary.write(bytes) }
    /// Complete: in place under the line's bare name until `BatchOutput.finish` gives it its extension.
    func commit() throws { try temporary.commit() }
    func discard() { temporary.discard() }
}

/// A line's record held for its stdout line (without `--output-dir`), up to a cap.
final class MemoryCapture: BatchCapture, @unchecked Sendable {
    static let limit = 16 * 1024 * 1024
    private(set) var bytes: [UInt8] = []
    private(set) var isTruncated = false
    let mayBlock = false

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        guard !isTruncated else { return }
        guard bytes.count + chunk.count <= Self.limit else {
            isTruncated = true
            bytes = []
            return
        }
        bytes.append(contentsOf: chunk)
    }

    func commit() throws {}
    func discard() { bytes = [] }
}

/// The batch's output directory: line files, `runs.jsonl`, and the journal beside them.
final class BatchOutput: Sendable {
    let directory: String
    private let runsLog = Mutex<Int32>(-1)

    init(_ directory: String) throws(CommandFailure) {
        var path = directory
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.directory = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(status: .outputUnwritable, message: "cannot create --output-dir '\(path)': \(error)")
        }
        let fd = open("\(path)/runs.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw CommandFailure(
                status: .outputUnwritable,
                message: "cannot write '\(path)/runs.jsonl': \(String(cString: strerror(errno)))")
        }
        runsLog.withLock { $0 = fd }
        // Line files a killed batch was writing (their temporary names carry the dead writer's PID).
        (try? OutputTarget(path: "\(path)/runs.jsonl"))?.removeOrphans()
    }

    deinit {
        _ = runsLog.withLock { close($0) }
    }

    static func baseName(_ line: Int) -> String {
        zeroPadded(line, width: 6)
    }

    static let umask: mode_t = {
        let current = Glibc.umask(0)
        _ = Glibc.umask(current)
        return current
    }()

    func file(line: Int) throws -> BatchOutputFile {
        try BatchOutputFile(directory: directory, line: line)
    }

    /// The extension a content type gets: `.json`, `.txt`, `.html`, ..., `.bin` for the rest.
    static func fileExtension(_ contentType: String?) -> String {
        let type =
            (contentType ?? "").split(separator: ";").first.map { $0.trimmingWhitespace() }?
            .lowercased() ?? ""
        switch type {
        case "application/json",
            _ where type.hasSuffix("+json"):
            return "json"
        case "text/plain": return "txt"
        case "text/html": return "html"
        case "text/csv": return "csv"
        case "application/xml", "text/xml": return "xml"
        case "application/x-ndjson", "application/jsonl": return "jsonl"
        case "image/png": return "png"
        case "image/jpeg": return "jpg"
        case "application/pdf": return "pdf"
        default: return "bin"
        }
    }

    /// Gives a finished line's file its name and appends its line to `runs.jsonl`; returns the file name.
    func finish(line: Int, _ outcome: CallOutcome, _ capture: BatchOutputFile?) -> String? {
        var file: String?
        if case .succeeded(_, let info) = outcome, let capture {
            let name = "\(Self.baseName(line)).\(Self.fileExtension(info.contentType))"
            if rename(capture.temporaryPath, "\(directory)/\(name)") == 0 { file = name }
        } else if let capture {
            unlink(capture.temporaryPath)
        }
        guard let run = outcome.endedRun else { return file }
        let entry = RunsEntry(
            line: line, runId: run.id, status: run.status.rawValue, file: file, exitCode: run.exitCode,
            durationMillis: run.stats?.durationMillis)
        if var bytes = try? Self.encoder.encode(entry) {
            bytes.append(0x0A)
            runsLog.withLock { fd in bytes.withUnsafeBytes { _ = try? FileDescriptorWriter.write($0, to: fd) } }
        }
        return file
    }

    /// A line of `runs.jsonl`; absent values are written as `null`.
    private struct RunsEntry: Encodable {
        var line: Int
        var runId: String
        var status: String
        var file: String?
        var exitCode: Int?
        var durationMillis: Int?

        private enum CodingKeys: String, CodingKey {
            case line, runId, status, file, exitCode, durationMillis
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(line, forKey: .line)
            try container.encode(runId, forKey: .runId)
            try container.encode(status, forKey: .status)
            try container.encode(file, forKey: .file)
            try container.encode(exitCode, forKey: .exitCode)
            try container.encode(durationMillis, forKey: .durationMillis)
        }
    }

    /// The head of a stdout line; `output` is spliced in as the record's own bytes.
    private struct StdoutHead: Encodable {
        var line: Int
        var runId: String
        var status: String
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static let stdout = Mutex(())

    /// Without `--output-dir`: one JSON object per ended line on stdout, in completion order; `output` is the record
    /// when it is JSON.
    static func printLine(_ line: Int, _ outcome: CallOutcome, _ capture: MemoryCapture?) {
        guard let run = outcome.endedRun else { return }
        let head = StdoutHead(line: line, runId: run.id, status: run.status.rawValue)
        guard var bytes = try? encoder.encode(head) else { return }
        var output = Array("null".utf8)
        if case .succeeded(_, let info) = outcome, let capture, !capture.isTruncated,
            RunInput.isJSON(contentType: info.contentType ?? ""), (try? JSONSyntaxChecker.check(capture.bytes)) != nil
        {
            output = capture.bytes
            while let last = output.last, [0x0A, 0x0D, 0x20, 0x09].contains(last) { output.removeLast() }
        }
        bytes.removeLast()  // the closing brace
        bytes.append(contentsOf: Array(#","output":"#.utf8) + output + [0x7D, 0x0A])
        stdout.withLock { _ in bytes.withUnsafeBytes { _ = try? FileDescriptorWriter.write($0, to: STDOUT_FILENO) } }
    }
}

/// The batch's voice on stderr: one progress line redrawn on a terminal, a line per ended run elsewhere, and the
/// summary naming the lines that did not succeed.
final class BatchProgress: Sendable {
    private struct Counts {
        var done = 0
        var running = 0
        var failed = 0
    }

    private let total: Int
    private let reporter: Reporter
    private let isLive: Bool
    /// The record each line fetches (`--key`).
    private let key: String
    /// Whether the same command resumes the batch (`--output-dir` keeps its journal).
    private let isResumable: Bool
    private let counts = Mutex(Counts())
    private let began = ContinuousClock.now

    init(total: Int, reporter: Reporter, isQuiet: Bool, key: String, isResumable: Bool) {
        self.total = total
        self.reporter = reporter
        self.key = key
        self.isResumable = isResumable
        let environment = ProcessInfo.processInfo.environment
        isLive = !isQuiet && isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb"
    }

    func show(_ event: BatchEvent) {
        // One lock for the counts and the drawing, so that lines never come out of order.
        counts.withLock { counts in
            let text = Self.update(&counts, for: event, isLive: isLive) ?? explanation(of: event)
            if let text {
                if isLive { clearLine() }
                reporter.info(text)
            }
            if isLive { draw(counts) }
        }
    }

    private static func update(_ counts: inout Counts, for event: BatchEvent, isLive: Bool) -> String? {
        switch event {
        case .lineStarted(let line, let run):
            counts.running += 1
            return isLive ? nil : "line \(line): started run \(run.id)"
        case .lineSkipped(let line, let status):
            counts.done += 1
            if status != RunStatus.succeeded.rawValue { counts.failed += 1 }
            return isLive ? nil : "line \(line): already \(status), skipped"
        case .lineEnded(let line, let outcome):
            counts.running = max(0, counts.running - 1)
            counts.done += 1
            let run = outcome.endedRun
            if case .succeeded = outcome {} else { counts.failed += 1 }
            switch outcome {
            case .outputNotFetched, .recordMissing: return nil  // explained below, on a terminal too
            default: break
            }
            return isLive ? nil : "line \(line): run \(run?.id ?? "-") \(run?.status.rawValue ?? "did not end")"
        case .lineFailed(let line, let error):
            counts.done += 1
            counts.failed += 1
            return "line \(line): \(error.message)"
        case .slowedDown(let parallel, let error):
            return "\(error.message); running at most \(parallel) at once for now"
        case .capped(let parallel, let reason):
            return "running at most \(parallel) at once: \(reason)"
        }
    }

    /// Why a line whose run SUCCEEDED did not: its output was not written, or there is no such record.
    private func explanation(of event: BatchEvent) -> String? {
        guard case .lineEnded(let line, let outcome) = event else { return nil }
        switch outcome {
        case .outputNotFetched(let run, let error):
            let remedy =
                isResumable
                ? "the same command again fetches it, without a new run"
                : "fetch it with `actor-run output \(run.id)\(key == "OUTPUT" ? "" : " -k \(key)")`, not a new run"
            return "line \(line): run \(run.id) SUCCEEDED, but its output was not written: \(error.message); \(remedy)"
        case .recordMissing(let run):
            return "line \(line): run \(run.id) SUCCEEDED, but has no record '\(key)' in its default key-value store"
        default:
            return nil
        }
    }

    func interrupted() {
        if isLive { clearLine() }
        reporter.error("interrupted: aborting every run in flight (again to force, a third time to exit at once)")
    }

    private func draw(_ counts: Counts) {
        let elapsed = ContinuousClock.now - began
        var line = "batch: \(counts.done)/\(total) done, \(counts.running) running, "
        line += "\(max(0, total - counts.done - counts.running)) queued, \(counts.failed) failed, "
        line += Self.clock(elapsed)
        if counts.done > 0 && counts.done < total {
            line += ", ETA " + Self.clock(elapsed / counts.done * (total - counts.done))
        }
        FileDescriptorWriter.write("\r\u{1B}[K\(line)", to: STDERR_FILENO)
    }

    private func clearLine() {
        FileDescriptorWriter.write("\r\u{1B}[K", to: STDERR_FILENO)
    }

    private static func clock(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        return "\(seconds / 60):" + zeroPadded(seconds % 60, width: 2)
    }

    /// The summary, and the exit status: 0 only if every line SUCCEEDED, 1 if any did not, 130 after an interrupt.
    func finish(_ summary: BatchSummary) -> ExitStatus {
        if isLive { clearLine() }
        let count = summary.succeeded.count + summary.failed.count
        var text =
            "batch: \(count) of \(total) lines: \(summary.succeeded.count) SUCCEEDED, \(summary.failed.count) not"
        if summary.skipped > 0 { text += " (\(summary.skipped) done by an earlier run)" }
        if !summary.failed.isEmpty {
            let shown = summary.failed.prefix(20).map(String.init).joined(separator: ", ")
            text += "; failed lines: \(shown)\(summary.failed.count > 20 ? ", ..." : "")"
        }
        if let error = summary.stoppedBy {
            reporter.error("\(error.message); the batch stopped")
            reporter.error(text)
            return ExitStatus(error.kind)
        }
        if summary.isInterrupted {
            reporter.error(text + "; interrupted: run the same command again to resume")
            return .interrupted
        }
        if summary.failed.isEmpty && count == total {
            reporter.info(text)
            return .success
        }
        reporter.error(text)
        return .runFailed
    }
}
