import Foundation

/// Fills `{{input.FIELD}}` and `{{input.FIELD|DEFAULT}}` placeholders from a run's JSON input.
///
/// This is what lets a declarative actor react to its input (the built-in `apify/hello-world` greets
/// `{{input.message|world}}`). A string field is inserted JSON-escaped without quotes, so a placeholder inside a
/// JSON string literal always yields valid JSON; numbers and booleans are inserted as their JSON text, arrays and
/// objects as compact JSON. When the input has no such field (or it is `null`, or the input is not a JSON object)
/// the DEFAULT text is inserted as written, or nothing when there is no default. Other `{{...}}` text is kept.
struct InputTemplate {
    let text: String

    init(_ text: String) {
        self.text = text
    }

    func render(input: JSONValue?) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let placeholder = rest[open.upperBound..<close.lowerBound]
            if let value = Self.substitute(placeholder, input: input) {
                output += value
            } else {
                output += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        output += rest
        return output
    }

    /// The replacement for one placeholder body (`input.name|default`), or nil when it is not an input placeholder.
    private static func substitute(_ placeholder: Substring, input: JSONValue?) -> String? {
        let parts = placeholder.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let reference = parts[0].trimmingCharacters(in: .whitespaces)
        guard reference.hasPrefix("input."), reference.count > "input.".count else { return nil }
        let field = String(reference.dropFirst("input.".count))
        let fallback = parts.count > 1 ? String(parts[1]) : ""
        switch input?[field] {
        case nil, .null:
            return fallback
        case .string(let value):
            return JSONValue.escaped(value)
        case let value?:
            return value.serialized
        }
    }
}
