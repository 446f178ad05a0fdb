/// The few text operations this tool needs that live in Foundation's NSString layer, written here so that
/// `actor-run` links FoundationEssentials only (no ICU, no CoreFoundation start-up).
extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks.
    public func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

/// RFC 3986 percent-encoding of a path segment or a query name or value: everything but the unreserved
/// characters (letters, digits, `-._~`) becomes `%XX` of its UTF-8 bytes.
public func percentEncoded(_ component: String) -> String {
    var out = ""
    out.reserveCapacity(component.utf8.count)
    for byte in component.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            out += "%" + hexByte(byte)
        }
    }
    return out
}

/// Two upper-case hex digits.
public func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

/// `12.3`: a number with one decimal, rounded.
public func oneDecimal(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    let tenths = Int((abs(value) * 10).rounded())
    return (value < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
}

/// A whole number padded with zeros to `width` digits.
public func zeroPadded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Seconds since 1970 of an HTTP date in the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7),
/// or nil for anything else.
func secondsSince1970(httpDate text: String) -> Int64? {
    let parts = text.split(separator: " ")
    guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
        let day = Int(parts[1]), let year = Int(parts[3]),
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            .firstIndex(of: String(parts[2])).map({ $0 + 1 })
    else { return nil }
    let clock = parts[4].split(separator: ":").compactMap { Int($0) }
    guard clock.count == 3, (1...31).contains(day), (0...23).contains(clock[0]), (0...59).contains(clock[1]),
        (0...60).contains(clock[2])
    else { return nil }
    let days = daysSince1970(year: year, month: month, day: day)
    return Int64(days) * 86_400 + Int64(clock[0] * 3600 + clock[1] * 60 + clock[2])
}

/// Milliseconds since 1970 of one of the API's timestamps (`2026-11-30T09:56:45.831Z`), or nil for anything else.
func millisecondsSince1970(timestamp text: String) -> Int64? {
    let bytes = Array(text.utf8)
    guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), bytes[10] == UInt8(ascii: "T") else { return nil }
    func number(_ range: Range<Int>) -> Int? {
        range.allSatisfy { (0x30...0x39).contains(bytes[$0]) }
            ? range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } : nil
    }
    guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
        let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
        (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
    else { return nil }
    var millis = 0
    if bytes.count > 20 {
        guard bytes[19] == UInt8(ascii: "."), let fraction = number(20..<min(bytes.count - 1, 23)) else { return nil }
        millis = fraction * [100, 10, 1][min(bytes.count - 1, 23) - 21]
    }
    let seconds =
        Int64(daysSince1970(year: year, month: month, day: day)) * 86_400
        + Int64(hour * 3600 + minute * 60 + second)
    return seconds * 1000 + Int64(millis)
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
private func daysSince1970(year: Int, month: Int, day: Int) -> Int {
    let shiftedYear = month <= 2 ? year - 1 : year
    let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
    let yearOfEra = shiftedYear - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
}
