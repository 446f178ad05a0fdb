import CurlHTTP

/// Where a record's bytes go: stdout, or a file that appears only when complete.
///
/// Called from the transfer's thread, one call at a time.
public protocol RecordDestination: AnyObject, Sendable {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// The record is complete: make it visible (e.g. rename a temporary file into place).
    func commit() throws
    /// The record will not be complete: leave nothing behind.
    func discard()
    /// Whether a write may wait on someone else (a terminal, a pipe, a socket). Such a destination is fed from a
    /// queue of its own, so that it never stalls the other transfers; a file or `/dev/null` is written directly.
    var mayBlock: Bool { get }
}

extension RecordDestination {
    public var mayBlock: Bool { true }
}

/// Keeps the last lines of what it is given (a log), and no more than a few KB of each.
final class LogTail: RecordDestination, @unchecked Sendable {
    private let count: Int
    private var kept: [[UInt8]] = []
    private var partial: [UInt8] = []
    private static let lineLimit = 4096
    let mayBlock = false

    init(lines: Int) {
        count = lines
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        for byte in bytes {
            if byte == 0x0A {
                keep(partial)
                partial = []
            } else if partial.count < Self.lineLimit {
                partial.append(byte)
            }
        }
    }

    private func keep(_ line: [UInt8]) {
        guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) else { return }
        kept.append(line)
        if kept.count > count { kept.removeFirst(kept.count - count) }
    }

    func commit() throws {}
    func discard() {}

    var lines: [String] {
        var all = kept
        if !partial.isEmpty {
            all.append(partial)
            all = Array(all.suffix(count))
        }
        return all.map { String(decoding: $0, as: UTF8.self) }
    }
}
