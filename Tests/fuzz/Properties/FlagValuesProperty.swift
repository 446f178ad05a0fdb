import ActorRunCLI
import ApifyClient

/// The parsers of what users type: flag values and whole command lines (parsed and validated, never run).
/// The first byte picks what the rest, as UTF-8, is given to (for one flag's value, the second byte picks the
/// flag); NUL bytes split a command line into arguments.
/// Properties: nothing crashes, and where a value has another spelling the parsers agree on it:
/// - `--wait`: a duration within (0, 10 years]; plain seconds equal the same number with `s`; a whole number of
///   seconds reads back from `<n>s`.
/// - run IDs: kept exactly as typed, 1 to 64 ASCII letters and digits, and each one names an actor by ID too.
/// - actor references: the API's form parses to itself, with no `/`; `naming` changes only the message.
/// - `--memory`: a command line with it parses exactly when the number is one the platform allows.
enum FlagValuesProperty {
    /// The options that take a value, for the mode that gives one of them the text.
    static let valueFlags = [
        "--wait", "--memory", "--timeout", "--build", "--max-items", "--max-total-charge-usd", "--webhooks", "--key",
        "--format", "--content-type", "--retries", "--api-url", "--input", "--output-file",
    ]

    static func check(_ bytes: [UInt8]) throws(PropertyViolation) {
        guard let mode = bytes.first else { return }
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        switch mode % 5 {
        case 0:
            let arguments = bytes.dropFirst().split(separator: 0, omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            _ = try? ParsingAccess.parseCommandLine(arguments)
        case 1: try checkWaitDuration(text)
        case 2: try checkRunID(text)
        case 3: try checkActorReference(text)
        default:
            guard let selector = bytes.dropFirst().first else { return }
            let flag = valueFlags[Int(selector) % valueFlags.count]
            try checkFlagValue(flag, String(decoding: bytes.dropFirst(2), as: UTF8.self))
        }
    }

    private static func checkWaitDuration(_ text: String) throws(PropertyViolation) {
        guard let duration = ParsingAccess.waitDuration(text) else { return }
        guard duration > .zero, duration <= .seconds(315_360_000) else {
            throw PropertyViolation("--wait '\(text)' is \(duration), outside (0, 10 years]")
        }
        if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            ParsingAccess.waitDuration(text + "s") != duration
        {
            throw PropertyViolation("--wait '\(text)' is \(duration) but '\(text)s' is not")
        }
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0, ParsingAccess.waitDuration("\(seconds)s") != duration {
            throw PropertyViolation("--wait '\(text)' is \(duration) but '\(seconds)s' does not read back as it")
        }
    }

    private static func checkRunID(_ text: String) throws(PropertyViolation) {
        guard let id = ParsingAccess.runID(text) else { return }
        guard id == text, (1...64).contains(id.utf8.count),
            id.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) })
        else {
            throw PropertyViolation("run ID '\(text)' was kept as '\(id)'")
        }
        // An ID has the platform's shape (17 letters or digits) or it is not taken for an actor's.
        guard ((try? ActorReference(parsing: id))?.pathComponent == id) == ActorReference.isPlatformID(id) else {
            throw PropertyViolation("run ID '\(text)' and an actor ID disagree about what an ID is")
        }
    }

    private static func checkActorReference(_ text: String) throws(PropertyViolation) {
        let reference = try? ActorReference(parsing: text)
        let asTask = try? ActorReference(parsing: text, naming: "a task")
        guard reference == asTask else {
            throw PropertyViolation("'\(text)' parses as an actor (\(String(describing: reference))) but not as a task")
        }
        guard let reference else { return }
        let path = reference.pathComponent
        guard !path.isEmpty, !path.contains("/") else {
            throw PropertyViolation("'\(text)' gives the path component '\(path)'")
        }
        guard (try? ActorReference(parsing: path))?.pathComponent == path else {
            throw PropertyViolation("'\(text)' gives '\(path)', which does not parse as itself")
        }
    }

    private static func checkFlagValue(_ flag: String, _ text: String) throws(PropertyViolation) {
        let parses = (try? ParsingAccess.parseCommandLine(["apify/hello-world", flag, text])) != nil
        if flag == "--memory" {
            let isAllowed = Int(text).map(RunOptions.isAllowedMemory) ?? false
            guard parses == isAllowed else {
                throw PropertyViolation("--memory '\(text)' \(parses ? "parses" : "is refused") against the rule")
            }
        }
    }
}
