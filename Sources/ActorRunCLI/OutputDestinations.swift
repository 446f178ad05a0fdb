import ApifyClient
import FoundationEssentials
import Glibc

/// Whether writes to `fd` may wait on another process: a terminal, a pipe, a socket. A regular file or a device
/// such as `/dev/null` takes its bytes by itself.
func mayBlock(writingTo fd: Int32) -> Bool {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return true }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return false
    case S_IFCHR: return isatty(fd) == 1
    default: return true
    }
}

/// The record goes to stdout as it arrives, byte for byte.
///
/// On a terminal, as curl does, binary output (a NUL byte) is refused unless asked for with `-o -`, and output
/// that does not end with a line break gets one, so that the final status line and the prompt start on a line of
/// their own. Elsewhere the bytes go out unchanged. Writes come one after another, then `commit`.
final class StandardOutputDestination: RecordDestination, @unchecked Sendable {
    let mayBlock = ActorRunCLI.mayBlock(writingTo: STDOUT_FILENO)
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private let printsBinary: Bool
    /// The status line on the same terminal, cleared for good before the output's first byte.
    private let statusLine: StatusLine?
    private var endsLine = true
    private var hasWidened = false
    /// A write this large is a stream (libcurl hands one over in 256 KiB reads): only then is the pipe widened,
    /// since each widened pipe counts against the user's pipe quota (`/proc/sys/fs/pipe-user-pages-soft`).
    private static let largeWrite = 64 * 1024

    /// - Parameter printsBinary: `-o -`: the user asked for the bytes here, whatever they are.
    init(printsBinary: Bool = false, statusLine: StatusLine? = nil) {
        self.printsBinary = printsBinary
        self.statusLine = statusLine
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if !hasWidened && bytes.count >= Self.largeWrite {
            hasWidened = true
            if mayBlock && !isTerminal { Self.widenPipe(STDOUT_FILENO) }
        }
        if isTerminal, let last = bytes.last {
            if !printsBinary && bytes.contains(0) {
                throw DestinationError(
                    message: "the output is binary and stdout is a terminal: save it with -o FILE"
                        + " (or print it anyway with -o -)")
            }
            statusLine?.stop()
            endsLine = last == 0x0A
        }
        do {
            try FileDescriptorWriter.write(bytes, to: STDOUT_FILENO)
        } catch {
            throw DestinationError(message: "cannot write to stdout: \(error)")
        }
    }

    func commit() throws {
        if !endsLine { FileDescriptorWriter.write("\n", to: STDOUT_FILENO) }
    }

    /// A pipe's buffer raised from 64 KiB to 1 MiB (Linux's limit for an unprivileged process): the reader and
    /// this process then wake each other a sixteenth as often. 500 MB through `| cat`: 0.9 -> 1.7 GB/s on a 2-core
    /// VM, interleaved runs. Where the kernel refuses (a lower limit, the user's pipe quota spent), the pipe stays as it is.
    private static func widenPipe(_ fd: Int32) {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else { return }
        let getPipeSize: Int32 = 1032  // F_GETPIPE_SZ and F_SETPIPE_SZ (fcntl.h, _GNU_SOURCE)
        let setPipeSize: Int32 = 1031
        let wanted: Int32 = 1 << 20
        if fcntl(fd, getPipeSize) < wanted { _ = fcntl(fd, setPipeSize, wanted) }
    }

    func discard() {}
}

/// The run's log goes to stderr as it arrives, between the status lines.
final class StandardErrorDestination: RecordDestination, @unchecked Sendable {
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try FileDescriptorWriter.write(bytes, to: STDERR_FILENO)
    }

    func commit() throws {}
    func discard() {}
}

/// What `-o PATH` names, worked out before the run starts, so that a path that cannot be written costs no run.
enum OutputTarget: Sendable {
    /// A regular file, or none yet: written beside it and renamed into place, keeping an existing file's mode.
    case file(path: String, mode: mode_t)
    /// A device, FIFO or socket (`/dev/stdout`, a named pipe): written in place, as the shell's `>` would.
    case stream(path: String)

    init(path: String) throws(CommandFailure) {
        func failure(_ reason: String) -> CommandFailure {
            CommandFailure(status: .outputUnwritable, message: "cannot write output file '\(path)': \(reason)")
        }
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                throw failure("it is a directory")
            case S_IFREG:
                // Through any symlinks to the file itself, so the link stays a link.
                guard let resolved = realpath(path, nil) else { throw failure(String(cString: strerror(errno))) }
                defer { free(resolved) }
                let real = String(cString: resolved)
                try Self.checkDirectory(of: real, failure)
                self = .file(path: real, mode: info.st_mode & 0o7777)
            default:
                self = .stream(path: path)
            }
            return
        }
        guard errno == ENOENT else { throw failure(String(cString: strerror(errno))) }
        try Self.checkDirectory(of: path, failure)
        self = .file(path: path, mode: 0o666 & ~Self.umask)
    }

    /// Removes the temporary files that a killed `actor-run` left in the output's directory: ours (by owner),
    /// named as `AtomicFileDestination` names them, and of a process that no longer exists.
    func removeOrphans() {
        guard case .file(let path, _) = self else { return }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names {
            guard let pid = AtomicFileDestination.owningProcess(ofTemporary: name), pid != getpid(),
                kill(pid, 0) == -1, errno == ESRCH
            else { continue }
            let orphan = "\(directory)/\(name)"
            var info = stat()
            guard lstat(orphan, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == getuid() else { continue }
            unlink(orphan)
        }
    }

    /// The file's directory must exist and take new files (the temporary one, then the rename).
    private static func checkDirectory(of path: String, _ failure: (String) -> CommandFailure) throws(CommandFailure) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var info = stat()
        guard stat(directory, &info) == 0 else { throw failure(String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw failure("'\(directory)' is not a directory") }
        guard access(directory, W_OK | X_OK) == 0 else { throw failure(String(cString: strerror(errno))) }
    }

    private static let umask: mode_t = {
        let current = Glibc.umask(0)
        _ = Glibc.umask(current)
        return current
    }()

    func makeDestination() throws -> any RecordDestination {
        switch self {
        case .file(let path, let mode): return try AtomicFileDestination(path: path, mode: mode)
        case .stream(let path): return try DeviceDestination(path: path)
        }
    }
}

/// The record goes to a temporary file beside the target, renamed into place only when complete, so the
/// target is either the whole record or untouched.
final class AtomicFileDestination: RecordDestination, @unchecked Sendable {
    private let path: String
    private let temporaryPath: String
    private var fd: Int32
    let mayBlock = false

    init(path: String, mode: mode_t) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        // The PID in the name tells a later run whether the writer is gone (`OutputTarget.removeOrphans`).
        var template = Array("\(directory)/.\(url.lastPathComponent).actor-run-\(getpid())-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw DestinationError(message: "cannot write output file '\(path)': \(String(cString: strerror(errno)))")
        }
        temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fchmod(fd, mode)
    }
    /// The PID in a temporary file's name (`.NAME.actor-run-PID-XXXXXX`), if the name is one of ours.
    static func owningProcess(ofTemporary name: String) -> pid_t? {
        guard name.hasPrefix("."), let marker = name.ranges(of: ".actor-run-").last else { return nil }
        let parts = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 6, let pid = pid_t(parts[0]), pid > 0 else { return nil }
        return pid
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try FileDescriptorWriter.write(bytes, to: fd)
        } catch {
            throw DestinationError(message: "cannot write output file '\(path)': \(error)")
        }
    }

    func commit() throws {
        guard fsync(fd) == 0, close(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw DestinationError(message: "cannot write output file '\(path)': \(reason)")
        }
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw DestinationError(message: "cannot write output file '\(path)': \(reason)")
        }
    }

    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(temporaryPath)
    }
}

/// A device or pipe named by `-o`: opened when the output is ready, written in place.
final class DeviceDestination: RecordDestination, @unchecked Sendable {
    private let path: String
    private var fd: Int32

    let mayBlock: Bool

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DestinationError(message: "cannot write output file '\(path)': \(String(cString: strerror(errno)))")
        }
        mayBlock = ActorRunCLI.mayBlock(writingTo: fd)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try FileDescriptorWriter.write(bytes, to: fd)
        } catch {
            throw DestinationError(message: "cannot write output file '\(path)': \(error)")
        }
    }

    func commit() throws {
        discard()
    }

    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }
}

struct DestinationError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}
