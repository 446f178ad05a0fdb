import ApifyClient
import Glibc

/// Reads a JSON Lines file a line at a time, holding one line at most: a batch's memory stays flat in the number
/// of lines. Blank lines are skipped but counted, so that line numbers are the editor's.
final class InputLines {
    private let fd: Int32
    private let name: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var isAtEnd = false
    private(set) var number = 0

    /// Opens `path` (`-` is stdin, read once).
    init(path: String) throws(CommandFailure) {
        if path == "-" {
            fd = STDIN_FILENO
            name = "stdin"
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            name = "'\(path)'"
            guard fd >= 0 else {
                throw CommandFailure(
                    status: .inputUnreadable,
                    message: "cannot read --inputs \(name): \(String(cString: strerror(errno)))")
            }
        }
    }

    deinit {
        if fd != STDIN_FILENO { close(fd) }
    }

    /// The next non-blank line and its 1-based number, without its line break; nil at the end.
    func next() throws(CommandFailure) -> (number: Int, bytes: ArraySlice<UInt8>)? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var line = buffer[start..<newline]
                start = newline + 1
                number += 1
                if line.last == 0x0D { line = line.dropLast() }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                return (number, line)
            }
            if isAtEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                number += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                return (number, line)
            }
            guard buffer.count - start <= RunInput.maximumSize else {
                throw CommandFailure(
                    status: .badInput,
                    message: "--inputs \(name), line \(number + 1): longer than the API's \(RunInput.maximumSize)-byte"
                        + " input limit")
            }
            try fill()
        }
    }

    private func fill() throws(CommandFailure) {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CommandFailure(
                    status: .inputUnreadable,
                    message: "cannot read --inputs \(name): \(String(cString: strerror(errno)))")
            }
            if count == 0 { isAtEnd = true } else { buffer.append(contentsOf: chunk[..<count]) }
            return
        }
    }
}
