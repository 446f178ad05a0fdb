/// Makes text that came from the server safe for a terminal and a log line.
///
/// Anything the API sends (error messages, status messages, IDs, the run's log) may hold control sequences that
/// recolour or retitle a terminal, CR or LF that forge a line of ours, or the token itself (a proxy or an actor
/// that echoes the `Authorization` header). Nothing of it reaches stderr without passing through here.
public struct ServerText: Sendable {
    /// Replaced wherever it appears in server text.
    public let token: String?

    /// A token shorter than this (a test's `t`) is no secret worth mangling every word that contains it.
    static let shortestRedactedToken = 8

    public init(token: String?) {
        self.token = token.flatMap { $0.count < Self.shortestRedactedToken ? nil : $0 }
    }

    /// One line: every C0/C1 control (CR and LF too) and DEL becomes a space or a `\u{…}` escape, and the
    /// token `***`. Invalid UTF-8 has already become U+FFFD when the text was decoded.
    public func line(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in redacted(text).unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: out.unicodeScalars.append(" ")
            case 0x00..<0x20, 0x7F..<0xA0: out += Self.escape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Log text: line breaks and tabs stay, every other control is escaped, the token is `***`.
    public func log(_ text: String) -> String {
        var out = ""
        for scalar in redacted(text).unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A: out.unicodeScalars.append(scalar)
            case 0x00..<0x20, 0x7F..<0xA0: out += Self.escape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private func redacted(_ text: String) -> String {
        guard let token, text.contains(token) else { return text }
        return text.replacing(token, with: "***")
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "\\u{" + hex + "}"
    }

    /// A run ID as the platform makes them: letters and digits only. Anything else is never printed.
    public static func isRunID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy {
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
            }
    }
}

/// Passes a log through `ServerText.log` a line at a time, so that neither an escape sequence nor the token
/// can slip through split across two chunks.
public final class SanitizingDestination: RecordDestination, @unchecked Sendable {
    private let target: any RecordDestination
    private let text: ServerText
    private var pending: [UInt8] = []
    /// A line longer than this is passed on in pieces rather than held.
    private static let lineLimit = 64 * 1024

    public init(_ target: any RecordDestination, text: ServerText) {
        self.target = target
        self.text = text
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        guard let lastBreak = pending.lastIndex(of: 0x0A) else {
            if pending.count > Self.lineLimit { try flush(upTo: pending.count) }
            return
        }
        try flush(upTo: lastBreak + 1)
    }

    private func flush(upTo end: Int) throws {
        let clean = Array(text.log(String(decoding: pending[..<end], as: UTF8.self)).utf8)
        pending.removeFirst(end)
        try clean.withUnsafeBytes { try target.write($0) }
    }

    public func commit() throws {
        if !pending.isEmpty { try flush(upTo: pending.count) }
        try target.commit()
    }

    public func discard() {
        if !pending.isEmpty { try? flush(upTo: pending.count) }
        target.discard()
    }

    public var mayBlock: Bool { target.mayBlock }
}
