/// The byte-level edits of `mangle=bad-utf8|float|bad-id` on a compact JSON answer of the emulator.
///
/// The edits work on bytes, not on a parsed value, so that everything else in the answer stays as the API sent it
/// (member order, number forms), and because invalid UTF-8 cannot live in a `String`. They rely on the compact form
/// ``JSONValue`` writes: `"key":value` with no spaces, where `":"` can only be a key followed by a string value
/// (inside a string a quote is escaped). A body without the targeted field is sent unchanged.
enum JSONMangler {
    /// Bytes that are not UTF-8: a lead byte with a bad continuation, then a byte never valid in UTF-8.
    static let invalidUTF8: [UInt8] = [0xC3, 0x28, 0xFF]

    /// The `bad-id` value as JSON text: an OSC title sequence, BEL, and a forged line for a terminal to show.
    static let forgedID = #"ab\u001b]0;pwned\u0007\r\nactor-run: forged"#

    static func mangle(_ body: [UInt8], _ kind: FaultRule.Mangling) -> [UInt8] {
        switch kind {
        case .badUTF8: badUTF8(body)
        case .float: ["durationMillis", "memoryMbytes"].reduce(body) { fractional($0, key: $1) }
        case .badID: badID(body)
        case .nullData, .notJSON: body
        }
    }

    /// `statusMessage` (a string or null) gets invalid bytes; without one, the first string value does.
    private static func badUTF8(_ body: [UInt8]) -> [UInt8] {
        var body = body
        if let key = body.firstRange(of: Array(#""statusMessage":"#.utf8)) {
            let value = key.upperBound
            if body[value...].starts(with: Array("null".utf8)) {
                body.replaceSubrange(value..<value + 4, with: [UInt8(ascii: "\"")] + invalidUTF8 + [UInt8(ascii: "\"")])
                return body
            }
            if body[value...].first == UInt8(ascii: "\"") {
                body.insert(contentsOf: invalidUTF8, at: value + 1)
                return body
            }
        }
        if let string = body.firstRange(of: Array(#"":""#.utf8)) {
            body.insert(contentsOf: invalidUTF8, at: string.upperBound)
        }
        return body
    }

    /// The first integer value of `key` gets a fractional part (`1234` → `1234.5`).
    private static func fractional(_ body: [UInt8], key: String) -> [UInt8] {
        guard let member = body.firstRange(of: Array("\"\(key)\":".utf8)) else { return body }
        var end = member.upperBound
        if end < body.endIndex, body[end] == UInt8(ascii: "-") { end += 1 }
        let digitsStart = end
        while end < body.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(body[end]) { end += 1 }
        let fractionStarts: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")]
        guard end > digitsStart, end == body.endIndex || !fractionStarts.contains(body[end]) else { return body }
        var result = body
        result.insert(contentsOf: Array(".5".utf8), at: end)
        return result
    }

    /// `data.id` (or, in a list, the first `id`) becomes ``forgedID``.
    private static func badID(_ body: [UInt8]) -> [UInt8] {
        let dataID = Array(#"{"data":{"id":""#.utf8)
        let start: Int
        if body.starts(with: dataID) {
            start = dataID.count
        } else if let member = body.firstRange(of: Array(#""id":""#.utf8)) {
            start = member.upperBound
        } else {
            return body
        }
        var end = start
        while end < body.endIndex, body[end] != UInt8(ascii: "\"") {
            end += body[end] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard end < body.endIndex else { return body }
        var result = body
        result.replaceSubrange(start..<end, with: Array(forgedID.utf8))
        return result
    }
}
