import Foundation
import Hummingbird

/// A request as the handlers see it: body collected (up to the input limit), query decoded, token extracted.
struct APIRequest: Sendable {
    var method: HTTPRequest.Method
    var headers: HTTPFields
    var query: [String: String]
    /// At most ``RequestLimits/maxInputBytes``; see ``isBodyTooLarge``.
    var body: [UInt8]
    /// More than the input limit arrived; `body` holds only its start.
    var isBodyTooLarge: Bool
    /// From `Authorization: Bearer …`, else `?token=`; nil when neither carries a non-empty token.
    var token: String?

    init(method: HTTPRequest.Method, headers: HTTPFields, rawQuery: String?, body: [UInt8], isBodyTooLarge: Bool) {
        self.method = method
        self.headers = headers
        self.query = Self.decodeQuery(rawQuery)
        self.body = body
        self.isBodyTooLarge = isBodyTooLarge
        let bearer = headers[.authorization].flatMap { value -> String? in
            let parts = value.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }
        self.token = [bearer, query["token"]].compactMap { $0 }.first { !$0.isEmpty }
    }

    /// `a=1&b=x%20y` → `["a": "1", "b": "x y"]`; `+` is a space, as in forms; the first of repeated names wins.
    static func decodeQuery(_ raw: String?) -> [String: String] {
        guard let raw else { return [:] }
        var result: [String: String] = [:]
        for pair in raw.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if result[name] == nil {
                result[name] = parts.count > 1 ? decode(parts[1]) : ""
            }
        }
        return result
    }
}
