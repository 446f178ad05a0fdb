import FoundationEssentials
import Glibc
import Synchronization

/// What a batch has done, line by line, kept in its output directory so that a re-run picks up where it stopped.
///
/// Written before each start (the line and the marker its start carries), after it (the run ID) and at its end
/// (the status and the output file), each entry appended and synced before the step it records goes on. After a
/// SIGKILL at any moment, a line is either untouched, marked (look its run up by the marker), started (attach to
/// the run) or ended: never a second run.
public final class BatchJournal: @unchecked Sendable {
    /// The journal's file name in the output directory.
    public static let fileName = ".actor-run-journal.jsonl"

    /// One line's last known state.
    public struct LineState: Sendable, Equatable {
        /// The `User-Agent` its latest start carried (written before the start went out).
        public var marker: String?
        public var runID: String?
        /// The run's final status, once it ended and its output was written.
        public var status: String?
        public var file: String?
    }

    private struct Entry: Codable {
        var line: Int
        var marker: String?
        var runId: String?
        var status: String?
        var file: String?
    }

    private let fd: Int32
    /// Each line's state; the lock also keeps appends whole.
    private let states = Mutex<[Int: LineState]>([:])

    /// Opens (or creates) the journal in `directory` and reads what an earlier run of the batch recorded. A torn
    /// last entry (the process was killed mid-write) is ignored.
    public init(directory: String) throws(ApifyError) {
        let path = "\(directory)/\(Self.fileName)"
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ApifyError(
                kind: .destinationFailed,
                message: "cannot open the batch journal '\(path)': \(String(cString: strerror(errno)))")
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = pread(fd, &buffer, buffer.count, off_t(data.count))
            if count <= 0 { break }
            data.append(contentsOf: buffer[..<count])
        }
        let decoder = JSONDecoder()
        var states: [Int: LineState] = [:]
        for line in data.split(separator: 0x0A) {
            guard let entry = try? decoder.decode(Entry.self, from: Data(line)) else { continue }
            var state = states[entry.line] ?? LineState()
            if let marker = entry.marker {
                // A new start of the line (after --retry-failed): what the earlier one did no longer counts.
                state = LineState(marker: marker)
            }
            if let runID = entry.runId { state.runID = runID }
            if let status = entry.status { state.status = status }
            if let file = entry.file { state.file = file }
            states[entry.line] = state
        }
        self.states.withLock { $0 = states }
    }

    deinit {
        close(fd)
    }

    public func state(of line: Int) -> LineState? {
        states.withLock { $0[line] }
    }

    /// Before a start: the marker it carries, so that a lost answer (or a kill) can be looked up.
    public func starting(line: Int, marker: String) throws(ApifyError) {
        try append(Entry(line: line, marker: marker))
    }

    /// The start was answered: the run to attach to from now on.
    public func started(line: Int, runID: String) throws(ApifyError) {
        try append(Entry(line: line, runId: runID))
    }

    /// The run ended and its output (if any) was written.
    public func ended(line: Int, runID: String, status: String, file: String?) throws(ApifyError) {
        try append(Entry(line: line, runId: runID, status: status, file: file))
    }

    private func append(_ entry: Entry) throws(ApifyError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var bytes = try? Array(encoder.encode(entry)) else { return }
        bytes.append(0x0A)
        let failure: Int32? = states.withLock { states in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            guard fsync(fd) == 0 else { return errno }
            var state = states[entry.line] ?? LineState()
            if let marker = entry.marker { state = LineState(marker: marker) }
            if let runID = entry.runId { state.runID = runID }
            if let status = entry.status { state.status = status }
            if let file = entry.file { state.file = file }
            states[entry.line] = state
            return nil
        }
        if let failure {
            throw ApifyError(
                kind: .destinationFailed,
                message: "cannot write the batch journal: \(String(cString: strerror(failure)))")
        }
    }
}
