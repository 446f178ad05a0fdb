import FoundationEssentials

/// Where and why a JSON text is malformed, in the terms an editor shows: 1-based line and column.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// Checks that bytes are one well-formed JSON text (RFC 8259), without building any value: the input is sent
/// on as it is, so only its syntax matters, and a checker that allocates nothing is fast on 9 MiB.
public struct JSONSyntaxChecker {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private static let maximumDepth = 512

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public static func check(_ bytes: [UInt8]) throws(JSONSyntaxError) {
        var checker = JSONSyntaxChecker(bytes)
        if checker.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { checker.index = 3 }
        checker.skipWhitespace()
        guard checker.index < checker.bytes.count else { throw checker.failure("the input is empty") }
        try checker.value()
        checker.skipWhitespace()
        if checker.index < checker.bytes.count {
            throw checker.failure("unexpected \(checker.describeCurrent()) after the end of the JSON value")
        }
    }

    /// Where the value of `key` in the top-level object sits in `bytes`, so it can be passed on byte for byte.
    /// `nil` when the text is not an object holding that key, or is malformed.
    public static func rangeOfValue(forTopLevelKey key: String, in bytes: [UInt8]) -> Range<Int>? {
        var checker = JSONSyntaxChecker(bytes)
        let quotedKey = Array("\"\(key)\"".utf8)
        checker.skipWhitespace()
        guard checker.index < bytes.count, bytes[checker.index] == UInt8(ascii: "{") else { return nil }
        checker.index += 1
        while true {
            checker.skipWhitespace()
            let keyStart = checker.index
            guard checker.index < bytes.count, bytes[checker.index] == UInt8(ascii: "\""),
                (try? checker.string()) != nil
            else { return nil }
            let isWanted = bytes[keyStart..<checker.index].elementsEqual(quotedKey)
            checker.skipWhitespace()
            guard checker.index < bytes.count, bytes[checker.index] == UInt8(ascii: ":") else { return nil }
            checker.index += 1
            checker.skipWhitespace()
            let valueStart = checker.index
            guard (try? checker.value()) != nil else { return nil }
            if isWanted { return valueStart..<checker.index }
            checker.skipWhitespace()
            guard checker.index < bytes.count, bytes[checker.index] == UInt8(ascii: ",") else { return nil }
            checker.index += 1
        }
    }

    /// Where each element of the top-level array in `bytes` sits, so that each can be passed on byte for byte;
    /// `nil` when the text is not an array or is malformed.
    public static func rangesOfElements(in bytes: ArraySlice<UInt8>) -> [Range<Int>]? {
        var checker = JSONSyntaxChecker(Array(bytes))
        let offset = bytes.startIndex
        checker.skipWhitespace()
        guard checker.index < checker.bytes.count, checker.bytes[checker.index] == UInt8(ascii: "[") else { return nil }
        checker.index += 1
        checker.skipWhitespace()
        var ranges: [Range<Int>] = []
        if checker.index < checker.bytes.count, checker.bytes[checker.index] == UInt8(ascii: "]") { return ranges }
        while true {
            checker.skipWhitespace()
            let start = checker.index
            guard (try? checker.value()) != nil else { return nil }
            ranges.append((start + offset)..<(checker.index + offset))
            checker.skipWhitespace()
            guard checker.index < checker.bytes.count else { return nil }
            if checker.bytes[checker.index] == UInt8(ascii: "]") { return ranges }
            guard checker.bytes[checker.index] == UInt8(ascii: ",") else { return nil }
            checker.index += 1
        }
    }

    private mutating func value() throws(JSONSyntaxError) {
        guard index < bytes.count else { throw failure("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try container(close: UInt8(ascii: "}"), isObject: true)
        case UInt8(ascii: "["): try container(close: UInt8(ascii: "]"), isObject: false)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw failure("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func container(close: UInt8, isObject: Bool) throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == close {
            index += 1
            depth -= 1
            return
        }
        while true {
            if isObject {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw failure("unexpected \(describeCurrent()), expected a string key")
                }
                try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw failure("unexpected \(describeCurrent()), expected ':'")
                }
                index += 1
                skipWhitespace()
            }
            try value()
            skipWhitespace()
            guard index < bytes.count else {
                throw failure("unexpected end of input, expected ',' or '\(Character(UnicodeScalar(close)))'")
            }
            if bytes[index] == close {
                index += 1
                depth -= 1
                return
            }
            guard bytes[index] == UInt8(ascii: ",") else {
                throw failure("unexpected \(describeCurrent()), expected ',' or '\(Character(UnicodeScalar(close)))'")
            }
            index += 1
            skipWhitespace()
        }
    }

    private mutating func string() throws(JSONSyntaxError) {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                if escape == UInt8(ascii: "u") {
                    for offset in 1...4 {
                        guard index + offset < bytes.count, bytes[index + offset].isHexDigit else {
                            index += min(offset, bytes.count - index)
                            throw failure("invalid \\u escape in a string")
                        }
                    }
                    index += 5
                } else if Array("\"\\/bfnrt".utf8).contains(escape) {
                    index += 1
                } else {
                    throw failure("invalid escape '\\\(Character(UnicodeScalar(escape)))' in a string")
                }
            case 0..<0x20:
                throw failure("control character in a string (escape it, e.g. \\n)")
            case 0x80...:
                try utf8Sequence()
            default:
                index += 1
            }
        }
        throw failure("unexpected end of input inside a string")
    }

    /// One multi-byte UTF-8 character (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
    private mutating func utf8Sequence() throws(JSONSyntaxError) {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        default: throw failure("invalid UTF-8 in a string (JSON must be UTF-8)")
        }
        for offset in 1..<length {
            let range: ClosedRange<UInt8> = offset == 1 ? secondRange : 0x80...0xBF
            guard index + offset < bytes.count, range.contains(bytes[index + offset]) else {
                throw failure("invalid UTF-8 in a string (JSON must be UTF-8)")
            }
        }
        index += length
    }

    private mutating func number() throws(JSONSyntaxError) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, bytes[index].isDigit else { throw failure("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, bytes[index].isDigit { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, bytes[index].isDigit else { throw failure("invalid number") }
            while index < bytes.count, bytes[index].isDigit { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, bytes[index].isDigit else { throw failure("invalid number") }
            while index < bytes.count, bytes[index].isDigit { index += 1 }
        }
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        for expected in word.utf8 {
            guard index < bytes.count, bytes[index] == expected else {
                throw failure("unexpected \(describeCurrent()), expected '\(word)'")
            }
            index += 1
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        return "byte 0x" + hexByte(byte)
    }

    /// Line and column of the current position; columns count characters, not bytes.
    private func failure(_ reason: String) -> JSONSyntaxError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONSyntaxError(line: line, column: column, reason: reason)
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
