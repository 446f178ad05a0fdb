import ApifyClient
import ArgumentParser

/// A client-side wait like `90s`, `10m`, `2h`, `1h30m`, or plain seconds.
struct WaitDuration: ExpressibleByArgument, Sendable, Equatable {
    var duration: Duration

    init?(argument: String) {
        var total = 0.0
        var number = ""
        var sawUnit = false
        for character in argument {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            let scale: Double
            switch character {
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            guard let value = Double(number) else { return nil }
            total += value * scale
            number = ""
            sawUnit = true
        }
        if !number.isEmpty {
            guard !sawUnit, let value = Double(number) else { return nil }
            total += value
        }
        // Up to ten years: beyond that is a typo, and would overflow the clock.
        guard total > 0, total <= 315_360_000, !argument.isEmpty else { return nil }
        duration = .milliseconds(Int64(total * 1000))
    }

    /// The same rule, with the accepted forms in the message.
    init(flag text: String) throws(FlagValueError) {
        guard let parsed = WaitDuration(argument: text) else {
            throw FlagValueError("use seconds or a duration with s, m or h (90, 90s, 10m, 2h, 1h30m)")
        }
        self = parsed
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A run ID as the platform makes them: letters and digits. Anything else (an empty string, a path) is a usage
/// error here rather than a strange answer from the API.
struct RunID: ExpressibleByArgument, Sendable {
    var value: String

    init?(argument: String) {
        guard !argument.isEmpty, argument.count <= 64,
            argument.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        value = argument
    }
}

/// Why a flag's value was refused, in words that say what to type instead. ArgumentParser prints it after "The
/// value 'X' is invalid for '--flag <name>': ", so each typed value keeps its rule and its message in one place.
struct FlagValueError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A flag value whose rule says what is wrong (`init(flag:)`); ArgumentParser's failable initializer is the same
/// rule without the words, for completions and the fuzz targets.
protocol CheckedFlagValue: ExpressibleByArgument {
    init(flag text: String) throws(FlagValueError)
}

extension CheckedFlagValue {
    init?(argument: String) {
        try? self.init(flag: argument)
    }
}

/// Whole-number flag values with their allowed range. Their options parse `.unconditional`ly, so that `-5` is
/// refused here as a number out of range rather than taken for an unknown flag.
enum WholeNumber {
    static func parse(_ text: String, from lower: Int, to upper: Int = .max, _ hint: String) throws(FlagValueError)
        -> Int
    {
        guard let value = Int(text), value >= lower, value <= upper else { throw FlagValueError(hint) }
        return value
    }

    /// `--timeout`: seconds on the platform, 0 for none.
    static func timeout(_ text: String) throws(FlagValueError) -> Int {
        try parse(text, from: 0, "use a number of seconds, or 0 for no timeout")
    }

    /// `--max-items`.
    static func maxItems(_ text: String) throws(FlagValueError) -> Int {
        try parse(text, from: 1, "use a number of items greater than 0")
    }

    /// `--offset` (dataset items to skip).
    static func offset(_ text: String) throws(FlagValueError) -> Int {
        try parse(text, from: 0, "use a number of items, 0 or more")
    }

    /// `--limit` (dataset items to print).
    static func limit(_ text: String) throws(FlagValueError) -> Int {
        try parse(text, from: 1, "use a number of items, 1 or more")
    }
}

/// `--memory`: megabytes, a power of 2 from 128 to 32768 as the platform allows; checked before any request.
struct Megabytes: CheckedFlagValue, Sendable, Equatable {
    var value: Int

    init(flag text: String) throws(FlagValueError) {
        guard let value = Int(text), RunOptions.isAllowedMemory(value) else {
            throw FlagValueError("use a power of 2 from 128 to 32768 (MB), e.g. 1024")
        }
        self.value = value
    }
}

/// `--build`: a tag (`latest`, `beta`) or a build number (`1.2.34`).
struct BuildTag: CheckedFlagValue, Sendable, Equatable {
    var value: String

    init(flag text: String) throws(FlagValueError) {
        guard !text.isEmpty, text.utf8.count <= 64,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else { throw FlagValueError("use a tag (latest, beta) or a build number (1.2.34)") }
        value = text
    }
}

/// `--key`: a record key of the run's default key-value store, as the platform allows them.
struct RecordKey: CheckedFlagValue, Sendable, Equatable {
    var value: String

    static let `default` = RecordKey(checked: "OUTPUT")
    private static let characters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!-_.'()")

    init(flag text: String) throws(FlagValueError) {
        guard !text.isEmpty, text.count <= 256, text.allSatisfy(Self.characters.contains) else {
            throw FlagValueError("use a record key: letters, digits and !-_.'() only, at most 256 (e.g. OUTPUT)")
        }
        value = text
    }

    private init(checked: String) {
        value = checked
    }

    var defaultValueDescription: String { value }
}

/// `--print`: what a command prints once the run has ended.
enum PrintedOutput: String, CaseIterable, ExpressibleByArgument, Sendable {
    case record, dataset
    case outputObject = "output-object"
    case run, auto
}

/// `--format`: the formats the dataset items endpoint serves.
enum DatasetFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case json, jsonl, csv, xml, html, xlsx, rss
}

/// The actor (or task) a command names, checked as it is parsed: `user/name`, `user~name`, `~name` or an ID.
enum ActorArgument {
    static func actor(_ text: String) throws(FlagValueError) -> ActorReference {
        try parse(text, naming: "an actor")
    }

    static func task(_ text: String) throws(FlagValueError) -> ActorReference {
        try parse(text, naming: "a task")
    }

    static func actorOrTask(_ text: String) throws(FlagValueError) -> ActorReference {
        try parse(text, naming: "an actor or a task")
    }

    private static func parse(_ text: String, naming noun: String) throws(FlagValueError) -> ActorReference {
        do {
            return try ActorReference(parsing: text, naming: noun)
        } catch {
            throw FlagValueError("use user/name, user~name or a 17-character ID")
        }
    }
}
