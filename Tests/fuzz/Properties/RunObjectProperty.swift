import ApifyClient
import Foundation

/// The client's reading of a run answer: `{"data": <run>}` decoded with `JSONDecoder`, and the `data` value's
/// bytes found with `JSONSyntaxChecker.rangeOfValue(forTopLevelKey:in:)` for `--json` (as `ApifyAPI` does).
/// Properties: nothing crashes; a range lies within the input and is one JSON value by the checker and by
/// Foundation (but for Foundation's excused differences, see `JSONCheckerProperty`); and when the answer decodes
/// and names `"data"` once, the run decoded from the range alone is the same run.
enum RunObjectProperty {
    /// The answer envelope, as the client declares it (its own is internal to ApifyClient).
    private struct Envelope: Decodable {
        var data: Run
    }

    static func check(_ bytes: [UInt8]) throws(PropertyViolation) {
        let decoded = try? JSONDecoder().decode(Envelope.self, from: Data(bytes)).data
        guard let range = JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "data", in: bytes) else { return }
        guard range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty else {
            throw PropertyViolation("range \(range) of \"data\" is not within the \(bytes.count) bytes")
        }
        let value = Array(bytes[range])
        do {
            try JSONSyntaxChecker.check(value)
        } catch {
            throw PropertyViolation("the checker refuses the \"data\" value it found (\(error)): \(quoted(value))")
        }
        if let error = JSONCheckerProperty.foundationVerdict(value) {
            let scan = JSONLexicalScan(value)
            if !scan.hasUnpairedSurrogateEscape && !scan.hasInfiniteNumber {
                throw PropertyViolation("Foundation refuses the \"data\" value (\(error)): \(quoted(value))")
            }
        }
        // Two "data" keys (the second perhaps spelled with a `\u` escape) may make the decoder and the range pick
        // different values; only answers that cannot have two are compared.
        guard let decoded, occurrences(of: Array("\"data\"".utf8), in: bytes) == 1,
            occurrences(of: Array("\\u".utf8), in: bytes) == 0
        else { return }
        guard let alone = try? JSONDecoder().decode(Run.self, from: Data(value)) else {
            throw PropertyViolation("the run decodes in its envelope but not from its range: \(quoted(bytes))")
        }
        guard alone == decoded else {
            throw PropertyViolation("the run from its range differs from the one decoded: \(quoted(bytes))")
        }
    }

    private static func occurrences(of needle: [UInt8], in bytes: [UInt8]) -> Int {
        guard bytes.count >= needle.count else { return 0 }
        return (0...bytes.count - needle.count).filter { bytes[$0..<$0 + needle.count].elementsEqual(needle) }.count
    }
}
