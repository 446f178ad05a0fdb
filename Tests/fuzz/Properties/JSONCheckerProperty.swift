import ApifyClient
import Foundation

/// `JSONSyntaxChecker.check` against Foundation's `JSONSerialization` (`.fragmentsAllowed`: the checker takes any
/// value at the top level, as RFC 8259 does). The verdicts must agree but where the two parsers legitimately
/// differ, and each difference is excused only when the input shows it:
/// - Foundation guesses UTF-16 and UTF-32 from NUL bytes or a UTF-16/32 byte-order mark; the checker takes UTF-8
///   only (RFC 8259 §8.1). Excused when Foundation accepts such an input.
/// - Foundation accepts a comma before `]` or `}`; RFC 8259 does not. Excused when removing those commas makes
///   the checker accept.
/// - Foundation refuses numbers it cannot represent (`1e400`); the checker judges syntax only. Excused when a
///   number in the input is infinite as a `Double`.
/// - Foundation refuses `\u` escapes of unpaired UTF-16 surrogates; RFC 8259's grammar allows them (§8.2 says
///   only that their meaning is unpredictable) and the checker sends the text on unchanged. Excused when the
///   input has one.
/// Both stop at 512 levels of nesting and both accept duplicate keys, so neither needs an excuse.
enum JSONCheckerProperty {
    static func check(_ bytes: [UInt8]) throws(PropertyViolation) {
        let checkerError: JSONSyntaxError?
        do {
            try JSONSyntaxChecker.check(bytes)
            checkerError = nil
        } catch {
            checkerError = error
        }
        let foundationError = foundationVerdict(bytes)
        switch (checkerError, foundationError) {
        case (nil, nil), (.some, .some):
            return
        case (.some(let error), nil):
            if guessesOtherEncoding(bytes) { return }
            if (try? JSONSyntaxChecker.check(JSONLexicalScan.removingTrailingCommas(bytes))) != nil { return }
            throw PropertyViolation(
                "the checker refuses (\(error)) what Foundation accepts: \(quoted(bytes))")
        case (nil, .some(let error)):
            let scan = JSONLexicalScan(bytes)
            if scan.hasUnpairedSurrogateEscape || scan.hasInfiniteNumber { return }
            throw PropertyViolation(
                "the checker accepts what Foundation refuses (\(error)): \(quoted(bytes))")
        }
    }

    /// Foundation's error, or `nil` when it parses the bytes.
    static func foundationVerdict(_ bytes: [UInt8]) -> (any Error)? {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
            return nil
        } catch {
            return error
        }
    }

    /// Whether Foundation would read the bytes as UTF-16 or UTF-32: a NUL among the first four, or a UTF-16 BOM.
    private static func guessesOtherEncoding(_ bytes: [UInt8]) -> Bool {
        bytes.prefix(4).contains(0) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
    }
}

/// The input for a report: short inputs whole, escaped, so that a crash log shows what broke the property.
func quoted(_ bytes: [UInt8]) -> String {
    let shown = bytes.prefix(300).map { byte in
        (0x20..<0x7F).contains(byte) && byte != UInt8(ascii: "\\")
            ? String(UnicodeScalar(byte)) : String(format: "\\x%02X", byte)
    }
    return "\"\(shown.joined())\"" + (bytes.count > 300 ? " (\(bytes.count) bytes)" : "")
}

/// A look at the tokens of a JSON text that needs no valid syntax: strings (their escapes included) are told
/// apart from what is outside them, which is all the excuses above need.
struct JSONLexicalScan {
    /// A `\u` escape of a high surrogate not followed by one of a low surrogate, or of a low one not preceded.
    private(set) var hasUnpairedSurrogateEscape = false
    /// A number outside strings that is infinite as a `Double`.
    private(set) var hasInfiniteNumber = false

    init(_ bytes: [UInt8]) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index = scanString(bytes, from: index + 1)
            } else if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                var end = index
                while end < bytes.count, Array("0123456789+-.eE".utf8).contains(bytes[end]) { end += 1 }
                let token = String(decoding: bytes[index..<end], as: UTF8.self)
                if let value = Double(token), !value.isFinite { hasInfiniteNumber = true }
                index = end
            } else {
                index += 1
            }
        }
    }

    /// Scans a string's contents from after its opening quote; returns the index after its closing quote.
    private mutating func scanString(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        var pendingHigh = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                if pendingHigh { hasUnpairedSurrogateEscape = true }
                pendingHigh = false
                index += 1
                continue
            }
            let escaped = bytes[index + 1]
            index += 2
            guard escaped == UInt8(ascii: "u"), index + 4 <= bytes.count,
                let unit = UInt16(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else {
                if pendingHigh { hasUnpairedSurrogateEscape = true }
                pendingHigh = false
                continue
            }
            index += 4
            let isHigh = (0xD800...0xDBFF).contains(unit)
            let isLow = (0xDC00...0xDFFF).contains(unit)
            if pendingHigh != isLow { hasUnpairedSurrogateEscape = true }
            pendingHigh = isHigh
        }
        if pendingHigh { hasUnpairedSurrogateEscape = true }
        return index + 1
    }

    /// The bytes with each comma that is followed (after whitespace) by `]` or `}` outside strings removed.
    static func removingTrailingCommas(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        var isInString = false
        while index < bytes.count {
            let byte = bytes[index]
            if isInString {
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    result.append(contentsOf: bytes[index...index + 1])
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { isInString = false }
            } else if byte == UInt8(ascii: "\"") {
                isInString = true
            } else if byte == UInt8(ascii: ",") {
                var next = index + 1
                while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) { next += 1 }
                if next < bytes.count, bytes[next] == UInt8(ascii: "]") || bytes[next] == UInt8(ascii: "}") {
                    index += 1
                    continue
                }
            }
            result.append(byte)
            index += 1
        }
        return result
    }
}
