import ApifyClient
import Glibc

/// Writes to a file descriptor with write(2), whole, through partial writes and EINTR. (Glibc's `stdout` and
/// `stderr` globals are not usable under Swift 6's strict concurrency.)
enum FileDescriptorWriter {
    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) throws(WriteFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE && fd != STDERR_FILENO { endAsReaderLeft() }
                throw WriteFailure(code: errno)
            }
            offset += written
        }
    }

    /// The reader of our output went away (`actor-run … | head`): end as `yes | head` does, by SIGPIPE, with no
    /// error line. What this process had to do is done: the output is written only after the run ended.
    static func endAsReaderLeft() -> Never {
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        _exit(128 + SIGPIPE)
    }

    static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { buffer in try? write(UnsafeRawBufferPointer(buffer), to: fd) }
    }

    /// An errno from write(2), described as strerror does.
    struct WriteFailure: Error, Sendable, CustomStringConvertible {
        var code: Int32
        var description: String { String(cString: strerror(code)) }
    }
}

/// The user-facing voice on stderr: every line starts with the program's name, as curl's and gh's do.
struct Reporter: Sendable {
    var isQuiet: Bool
    /// On a terminal while a run goes: lines are printed above it.
    var statusLine: StatusLine?

    init(isQuiet: Bool, statusLine: StatusLine? = nil) {
        self.isQuiet = isQuiet
        self.statusLine = statusLine
    }

    /// Progress and status: silenced by `--quiet`.
    func info(_ message: String) {
        guard !isQuiet else { return }
        say(message)
    }

    /// Errors and warnings: always shown.
    func error(_ message: String) {
        say(message)
    }

    private func say(_ message: String) {
        var text = "actor-run: \(message)\n"
        if let statusLine {
            text.withUTF8 { statusLine.printAbove(UnsafeRawBufferPointer($0)) }
        } else {
            FileDescriptorWriter.write(text, to: STDERR_FILENO)
        }
    }
}

extension Reporter {
    /// Runs a command's body, turning any failure into its one line on stderr and its exit status.
    func reportingFailures(_ body: () async throws -> ExitStatus) async -> ExitStatus {
        do {
            return try await body()
        } catch let failure as CommandFailure {
            error(failure.message)
            return failure.status
        } catch let failure as ApifyError {
            error(failure.message)
            return ExitStatus(failure.kind)
        } catch {
            self.error("internal error: \(error)")
            return .internalError
        }
    }
}
