import Foundation

/// One injected fault: which requests it hits and what happens to them.
///
/// Written as text (`--faults`, `EmulatorConfiguration.faults` via ``parse(_:)``, an actor's `faults`):
///
/// ```
/// SPEC   := RULE (';' RULE)*
/// RULE   := [METHOD] PATH ':' ACTION OPTION*
/// METHOD := GET | POST | PUT | DELETE | HEAD | *          (default: any method)
/// PATH   := /v2/...   '*' = one path segment, '**' = any number of segments; `actors` also matches `acts`
/// ACTION := 429 | 500..599 | close-before | close-after | truncate | delay=DURATION | 404-after-start=DURATION
///         | trickle=MS | echo-headers | oversize=BYTES | gzip-bomb=BYTES | mangle=KIND | reset-after=BYTES
/// KIND   := null-data | bad-utf8 | float | bad-id | not-json
/// OPTION := xN | x* | skip=N | retry-after=SECONDS | bytes=N
/// ```
///
/// Example: `POST /v2/actors/*/runs: close-after; GET /v2/actor-runs/*: 503 x2 retry-after=1`.
/// A rule hits the next N matching requests (`xN`, default `x1`; `x*` every one) after letting `skip` of them
/// through. Every rule counts every request that matches it, also one an earlier rule answered, so
/// `POST /v2/actors/*/runs: 429; POST /v2/actors/*/runs: close-after skip=1` answers the first start 429 and cuts
/// the second. `404-after-start` is a time window instead: GET of a run started less than DURATION ago answers 404.
public struct FaultRule: Sendable, Equatable, CustomStringConvertible {
    /// What the fault does.
    public enum Action: Sendable, Equatable {
        /// Answer this status (429 or 5xx) in the error envelope, without processing the request.
        case status(Int)
        /// Close the connection before the request is processed: nothing happens on the server.
        case closeBefore
        /// Process the request (a run really starts), then close the connection without an answer.
        case closeAfter
        /// Send the head and part of the body (`bytes`, default half), then close the connection.
        case truncate(bytes: Int?)
        /// Wait this long before sending the head.
        case delay(milliseconds: Int)
        /// GET of a run answers 404 `record-not-found` until the run is this old (replica lag).
        case notFoundAfterStart(milliseconds: Int)
        /// Process the request, send the head at once, then the body one byte every `milliseconds` (a slow link).
        case trickle(milliseconds: Int)
        /// Answer 400 `invalid-input` whose message lists every request header verbatim, `Authorization` included,
        /// without processing the request (a proxy that leaks credentials into error text).
        case echoHeaders
        /// Process the request, then answer its status with a JSON body of exactly `bytes` (a `padding` string
        /// member added to the real body), generated while streaming.
        case oversize(bytes: Int)
        /// Process the request, then answer its status with `Content-Encoding: gzip` whose body inflates to
        /// `bytes` of JSON (the `oversize` body), compressed while streaming.
        case gzipBomb(bytes: Int)
        /// Process the request, then answer its status with the real body altered.
        case mangle(Mangling)
        /// Send the head and `bytes` of the body, then reset the connection (TCP RST, not an orderly close).
        case resetAfter(bytes: Int)
    }

    /// How `mangle` alters a JSON answer.
    public enum Mangling: String, Sendable, Equatable, CaseIterable {
        /// The body becomes `{"data":null}`.
        case nullData = "null-data"
        /// Invalid UTF-8 bytes inside a string value: `statusMessage` if the body has one, else the first string.
        case badUTF8 = "bad-utf8"
        /// `durationMillis` and `memoryMbytes` become non-integers (`1234.5`): cosmetic fields to tolerate.
        case float
        /// `data.id` (or the first `id`) becomes a string with terminal control characters.
        case badID = "bad-id"
        /// The body becomes `<html>oops</html>`, `Content-Type: text/html`.
        case notJSON = "not-json"
    }

    /// Upper-case method, or nil for any.
    public var method: String?
    /// Path pattern segments (`*`, `**` or literal).
    public var pattern: [String]
    public var action: Action
    /// Matching requests hit; nil means every one.
    public var count: Int?
    /// Matching requests let through before the first hit.
    public var skip: Int
    /// `Retry-After` seconds for a status fault; 429 always sends one (default 1).
    public var retryAfterSecs: Int?

    public init(
        method: String? = nil, path: String, action: Action, count: Int? = 1, skip: Int = 0,
        retryAfterSecs: Int? = nil
    ) {
        self.method = method?.uppercased()
        self.pattern = path.split(separator: "/").map(String.init)
        self.action = action
        self.count = count
        self.skip = skip
        self.retryAfterSecs = retryAfterSecs
    }

    public var description: String {
        var text = "\(method ?? "*") /\(pattern.joined(separator: "/")): "
        switch action {
        case .status(let code): text += "\(code)"
        case .closeBefore: text += "close-before"
        case .closeAfter: text += "close-after"
        case .truncate(let bytes): text += "truncate" + (bytes.map { " bytes=\($0)" } ?? "")
        case .delay(let millis): text += "delay=\(millis)ms"
        case .notFoundAfterStart(let millis): text += "404-after-start=\(millis)ms"
        case .trickle(let millis): text += "trickle=\(millis)"
        case .echoHeaders: text += "echo-headers"
        case .oversize(let bytes): text += "oversize=\(bytes)"
        case .gzipBomb(let bytes): text += "gzip-bomb=\(bytes)"
        case .mangle(let kind): text += "mangle=\(kind.rawValue)"
        case .resetAfter(let bytes): text += "reset-after=\(bytes)"
        }
        if case .notFoundAfterStart = action { return text }
        text += count.map { " x\($0)" } ?? " x*"
        if skip > 0 { text += " skip=\(skip)" }
        if let retryAfterSecs { text += " retry-after=\(retryAfterSecs)" }
        return text
    }

    /// Whether a request's method and raw path fall under this rule.
    func matches(method requestMethod: String, path: String) -> Bool {
        if let method, method != requestMethod.uppercased() { return false }
        let segments = path.split(separator: "/").map(String.init)
        return Self.glob(pattern[...], segments[...])
    }

    private static func glob(_ pattern: ArraySlice<String>, _ segments: ArraySlice<String>) -> Bool {
        guard let head = pattern.first else { return segments.isEmpty }
        if head == "**" {
            return (segments.startIndex...segments.endIndex).contains { glob(pattern.dropFirst(), segments[$0...]) }
        }
        guard let segment = segments.first else { return false }
        let isSame =
            head == "*" || head == segment
            || (["acts", "actors"].contains(head) && ["acts", "actors"].contains(segment))
        return isSame && glob(pattern.dropFirst(), segments.dropFirst())
    }

    /// Parses a fault spec; the error names the rule and what is wrong.
    public static func parse(_ text: String) throws(EmulatorError) -> [FaultRule] {
        var rules: [FaultRule] = []
        for ruleText in text.split(separator: ";") {
            let trimmed = ruleText.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            rules.append(try parseRule(trimmed))
        }
        return rules
    }

    private static func parseRule(_ text: String) throws(EmulatorError) -> FaultRule {
        func fail(_ reason: String) -> EmulatorError {
            .invalidFaultSpec("fault \"\(text)\": \(reason)")
        }
        guard let colon = text.firstIndex(of: ":") else { throw fail("expected [METHOD] PATH: ACTION") }
        let target = text[..<colon].split(separator: " ").map(String.init)
        var words = text[text.index(after: colon)...].split(separator: " ").map(String.init)
        let method: String?
        let path: String
        switch target.count {
        case 1: (method, path) = (nil, target[0])
        case 2: (method, path) = (target[0] == "*" ? nil : target[0].uppercased(), target[1])
        default: throw fail("expected [METHOD] PATH before the colon")
        }
        guard path.hasPrefix("/") else { throw fail("the path must start with /") }
        if let method, !["GET", "POST", "PUT", "DELETE", "HEAD"].contains(method) {
            throw fail("unknown method \(method)")
        }
        guard !words.isEmpty else { throw fail("missing action") }
        let action = try parseAction(words.removeFirst(), fail)
        var rule = FaultRule(method: method, path: path, action: action)
        for word in words {
            if word == "x*" {
                rule.count = nil
            } else if word.hasPrefix("x"), let count = Int(word.dropFirst()), count > 0 {
                rule.count = count
            } else if let value = Self.value(of: "skip", in: word), let skip = Int(value), skip >= 0 {
                rule.skip = skip
            } else if let value = Self.value(of: "retry-after", in: word), let secs = Int(value), secs >= 0 {
                rule.retryAfterSecs = secs
            } else if let value = Self.value(of: "bytes", in: word), let bytes = Int(value), bytes >= 0,
                case .truncate = rule.action
            {
                rule.action = .truncate(bytes: bytes)
            } else {
                throw fail("unknown option \"\(word)\"")
            }
        }
        if case .status(429) = rule.action, rule.retryAfterSecs == nil {
            rule.retryAfterSecs = 1
        }
        return rule
    }

    private static func parseAction(_ word: String, _ fail: (String) -> EmulatorError) throws(EmulatorError) -> Action {
        if let code = Int(word) {
            guard code == 429 || (500...599).contains(code) else { throw fail("status must be 429 or 5xx") }
            return .status(code)
        }
        switch word {
        case "close-before": return .closeBefore
        case "close-after": return .closeAfter
        case "truncate": return .truncate(bytes: nil)
        case "echo-headers": return .echoHeaders
        default: break
        }
        if let value = Self.value(of: "mangle", in: word) {
            guard let kind = Mangling(rawValue: value) else {
                let kinds = Mangling.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("unknown mangle kind \"\(value)\" (use \(kinds))")
            }
            return .mangle(kind)
        }
        if let value = Self.value(of: "trickle", in: word) {
            guard let millis = milliseconds(value), millis > 0 else {
                throw fail("bad interval \"\(value)\" (milliseconds between bytes, above 0)")
            }
            return .trickle(milliseconds: millis)
        }
        let sized: [(String, (Int) -> Action)] = [
            ("oversize", { .oversize(bytes: $0) }), ("gzip-bomb", { .gzipBomb(bytes: $0) }),
            ("reset-after", { .resetAfter(bytes: $0) }),
        ]
        for (name, action) in sized {
            guard let value = Self.value(of: name, in: word) else { continue }
            guard let bytes = Int(value), bytes >= 0 else { throw fail("bad byte count \"\(value)\"") }
            return action(bytes)
        }
        if let value = Self.value(of: "delay", in: word) {
            guard let millis = milliseconds(value) else { throw fail("bad duration \"\(value)\" (use 500ms or 2s)") }
            return .delay(milliseconds: millis)
        }
        if let value = Self.value(of: "404-after-start", in: word) {
            guard let millis = milliseconds(value) else { throw fail("bad duration \"\(value)\" (use 500ms or 2s)") }
            return .notFoundAfterStart(milliseconds: millis)
        }
        throw fail("unknown action \"\(word)\"")
    }

    private static func value(of name: String, in word: String) -> String? {
        word.hasPrefix(name + "=") ? String(word.dropFirst(name.count + 1)) : nil
    }

    /// `500ms`, `2s`, `1.5s`, or a bare number of milliseconds.
    private static func milliseconds(_ text: String) -> Int? {
        if text.hasSuffix("ms") { return Int(text.dropLast(2)).flatMap { $0 >= 0 ? $0 : nil } }
        if text.hasSuffix("s") {
            return Double(text.dropLast()).flatMap { $0 >= 0 && $0.isFinite ? Int(($0 * 1000).rounded()) : nil }
        }
        return Int(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
