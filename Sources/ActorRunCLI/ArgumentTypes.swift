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
        guard total > 0, !argument.isEmpty else { return nil }
        duration = .milliseconds(Int64(total * 1000))
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
