import ApifyClient
import Foundation
import Glibc

/// The record goes to stdout as it arrives, byte for byte.
final class StandardOutputDestination: RecordDestination, @unchecked Sendable {
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try FileDescriptorWriter.write(bytes, to: STDOUT_FILENO)
        } catch {
            throw DestinationError(message: "cannot write to stdout: \(error)")
        }
    }

    func commit() throws {}
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

/// The record goes to a temporary file beside the target, renamed into place only when complete, so the
/// target is either the whole record or untouched.
final class AtomicFileDestination: RecordDestination, @unchecked Sendable {
    private let path: String
    private let temporaryPath: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var template = Array("\(directory)/.\(url.lastPathComponent).actor-run-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw DestinationError(message: "cannot write output file '\(path)': \(String(cString: strerror(errno)))")
        }
        temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fchmod(fd, 0o644 & ~Self.umask)
    }

    private static let umask: mode_t = {
        let current = Glibc.umask(0)
        _ = Glibc.umask(current)
        return current
    }()

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

struct DestinationError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}
