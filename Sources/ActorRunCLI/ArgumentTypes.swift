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
