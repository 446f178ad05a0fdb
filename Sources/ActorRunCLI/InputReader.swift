import ApifyClient
import FoundationEssentials
import Glibc

/// Where the run's input comes from, as the flags said.
enum InputSource: Equatable, Sendable {
    case none
    case inline(String)
    case file(String)
    case standardInput
    /// No flag: a stdin that is not a terminal is read, and an empty one means no input.
    case implicitStandardInput

    /// `-i JSON`, `-i @PATH`, `-i -`.
    init(inputFlag value: String) {
        if value == "-" {
            self = .standardInput
        } else if value.hasPrefix("@") {
            let path = String(value.dropFirst())
            self = path == "-" ? .standardInput : .file(path)
        } else {
            self = .inline(value)
        }
    }

    /// How error messages name the source; `flag` is the option an inline value came with.
    func name(flag: String = "--input") -> String {
        switch self {
        case .none, .inline: return flag
        case .file(let path): return "'\(path)'"
        case .standardInput, .implicitStandardInput: return "stdin"
        }
    }
}

/// Reads and checks the input before any request: size against the API's limit, JSON syntax with line and
/// column, so a bad input costs nothing.
struct InputReader {
    var contentType: String
    var reporter: Reporter
    /// The option the input came with, for messages (`--input`, `--webhooks`).
    var flag = "--input"
    /// How long stdin may stay silent before the user is told that it is being waited for.
    var stdinNotice: Duration = .seconds(1)

    func read(_ source: InputSource) throws(CommandFailure) -> RunInput? {
        let bytes: [UInt8]
        switch source {
        case .none:
            return nil
        case .inline(let text):
            bytes = Array(text.utf8)
        case .file(let path):
            bytes = try readFile(path)
        case .standardInput:
            bytes = try readStandardInput()
        case .implicitStandardInput:
            guard isatty(STDIN_FILENO) == 0 else { return nil }
            bytes = try readStandardInput()
            if bytes.isEmpty { return nil }
        }
        try checkSize(bytes.count, source: source, isExact: false)
        var input = RunInput(bytes: bytes, contentType: contentType)
        // JSON senders must not add a byte-order mark (RFC 8259); one that an editor added is dropped, not sent.
        if input.isJSON && input.bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            input.bytes.removeFirst(3)
        }
        if input.isJSON {
            do {
                try JSONSyntaxChecker.check(input.bytes)
            } catch {
                var message = "invalid JSON in \(source.name(flag: flag)) at \(error)"
                if case .inline(let text) = source, Self.looksLikeAPath(text) {
                    // `-i input.json` means the text "input.json"; the file is `-i @input.json`, as in curl.
                    message += "; to read the file \(text), write \(flag) @\(text)"
                }
                throw CommandFailure(status: .badInput, message: message)
            }
        }
        return input
    }

    /// Whether inline text that is not JSON was more likely meant as a file: it names one, or has a file's shape.
    private static func looksLikeAPath(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count < 4096, !text.contains("\n"), let first = text.first,
            !"{[\"".contains(first)
        else { return false }
        return access(text, F_OK) == 0 || text.hasSuffix(".json") || text.contains("/")
    }

    private func checkSize(_ count: Int, source: InputSource, isExact: Bool) throws(CommandFailure) {
        guard count > RunInput.maximumSize else { return }
        try Self.tooLarge(count, name: source.name(flag: flag), isExact: isExact)
    }

    /// - Parameter isExact: whether `count` is the whole size (a file's), or only what was read before stopping.
    private static func tooLarge(_ count: Int, name: String, isExact: Bool) throws(CommandFailure) {
        let size = isExact ? "\(count) bytes" : "more than \(RunInput.maximumSize) bytes"
        throw CommandFailure(
            status: .badInput,
            message: "the input in \(name) is \(size); the API accepts at most 9 MiB (9437184 bytes)"
        )
    }

    private func readFile(_ path: String) throws(CommandFailure) -> [UInt8] {
        try Self.readFile(path, role: "input file", flag: flag)
    }

    /// Reads a whole file of at most the API's input size; `role` names it in messages ("input file").
    static func readFile(_ path: String, role: String, flag: String = "--input") throws(CommandFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CommandFailure(
                status: .inputUnreadable,
                message: "cannot read \(role) '\(path)': \(String(cString: strerror(errno)))"
            )
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) > RunInput.maximumSize {
            try tooLarge(Int(info.st_size), name: "'\(path)'", isExact: true)
        }
        return try readAll(fd, name: "\(role) '\(path)'")
    }

    private func readStandardInput() throws(CommandFailure) -> [UInt8] {
        var poller = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(stdinNotice.components.seconds * 1000))
        if ready == 0 {
            reporter.info("waiting for input on stdin (pass --no-input to run without input)")
        }
        return try Self.readAll(STDIN_FILENO, name: "stdin")
    }

    /// Reads to the end, but never more than one byte past the limit: an endless stream fails fast.
    private static func readAll(_ fd: Int32, name: String) throws(CommandFailure) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= RunInput.maximumSize {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EBADF && fd == STDIN_FILENO { break }  // no stdin at all: no input
                throw CommandFailure(
                    status: .inputUnreadable,
                    message: "cannot read \(name): \(String(cString: strerror(errno)))"
                )
            }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes
    }
}
