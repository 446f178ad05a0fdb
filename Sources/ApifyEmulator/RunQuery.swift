import Foundation

/// The run options of a query string, parsed and checked with the platform's rules and error types.
struct RunQuery {
    private let values: [String: String]

    init(_ values: [String: String]) {
        self.values = values
    }

    subscript(name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    func integer(_ name: String) throws(APIError) -> Int? {
        guard let text = self[name] else { return nil }
        guard let value = Int(text) else {
            throw .invalidInput("Invalid value of \"\(name)\" parameter: \"\(text)\" is not an integer.")
        }
        return value
    }

    /// A non-negative number of seconds (fractions allowed, as the API's `number` type does).
    func seconds(_ name: String) throws(APIError) -> Double? {
        guard let text = self[name] else { return nil }
        // Bounded so that it always fits the integer seconds the run object holds.
        guard let value = Double(text), value.isFinite, value >= 0, value < 1e12 else {
            throw .invalidInput("Invalid value of \"\(name)\" parameter: \"\(text)\" is not a number of seconds.")
        }
        return value
    }

    func boolean(_ name: String) throws(APIError) -> Bool? {
        guard let text = self[name] else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalidInput("Invalid value of \"\(name)\" parameter: \"\(text)\" is not true or false.")
        }
    }

    /// `waitForFinish` in seconds, clamped to 60: the reference client sends 999999 and must not be refused.
    func waitForFinish() throws(APIError) -> Double {
        min(try seconds("waitForFinish") ?? 0, RequestLimits.maxWaitForFinishSecs)
    }

    /// `status` (one of the API's statuses), for `runs/last`.
    func status() throws(APIError) -> RunStatus? {
        guard let text = self["status"] else { return nil }
        guard let status = RunStatus(rawValue: text.uppercased()) else {
            throw .invalidInput("Invalid value of \"status\" parameter: \"\(text)\" is not a run status.")
        }
        return status
    }

    /// `status` as a comma-separated list, for run lists.
    func statuses() throws(APIError) -> Set<RunStatus>? {
        guard let text = self["status"] else { return nil }
        var result: Set<RunStatus> = []
        for name in text.split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces).uppercased()
            guard let status = RunStatus(rawValue: trimmed) else {
                throw .invalidInput("Invalid value of \"status\" parameter: \"\(name)\" is not a run status.")
            }
            result.insert(status)
        }
        return result
    }

    /// `origin` (one of the spec's `RunOrigin` values), for `runs/last`.
    func origin() throws(APIError) -> String? {
        guard let text = self["origin"] else { return nil }
        guard Self.runOrigins.contains(text) else {
            throw .invalidInput(
                "Invalid value of \"origin\" parameter: \"\(text)\" is not one of "
                    + Self.runOrigins.joined(separator: ", ") + ".")
        }
        return text
    }

    /// The spec's `RunOrigin` enum.
    static let runOrigins = [
        "DEVELOPMENT", "WEB", "API", "SCHEDULER", "TEST", "WEBHOOK", "ACTOR", "CLI", "CI", "STANDBY", "MCP",
    ]

    /// The page size of a list: at most 1000, the default; `0`, which the official clients send to mean "no limit"
    /// (`runs().iterate()`), is that default too, since the answer's `limit` has the spec's `minimum: 1`.
    func listLimit() throws(APIError) -> Int {
        guard let limit = try integer("limit") else { return RequestLimits.maxListLimit }
        guard limit >= 0 else {
            throw .invalidInput("Invalid value of \"limit\" parameter: \(limit) is not 0 or more.")
        }
        return limit == 0 ? RequestLimits.maxListLimit : min(limit, RequestLimits.maxListLimit)
    }

    /// An ISO 8601 date-time (`2026-08-05T13:31:45.123Z`, fractions optional) in milliseconds since 1970, for the
    /// inclusive `startedAfter` / `startedBefore` filters; the API's own timestamps have millisecond precision.
    func milliseconds(_ name: String) throws(APIError) -> Int64? {
        guard let text = self[name] else { return nil }
        guard let milliseconds = Self.milliseconds(of: text) else {
            throw .invalidInput(
                "Invalid value of \"\(name)\" parameter: \"\(text)\" is not an ISO 8601 date-time.")
        }
        return milliseconds
    }

    /// The milliseconds of an ISO 8601 text, rounded to the nearest one: run times are compared through the text the
    /// API shows for them, so a client that sends a run's `startedAt` back finds that run.
    static func milliseconds(of text: String) -> Int64? {
        let styles = [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()]
        for style in styles {
            if let date = try? style.parse(text) {
                return Int64((date.timeIntervalSince1970 * 1000).rounded())
            }
        }
        return nil
    }

    func maxItems() throws(APIError) -> Int? {
        guard let value = try integer("maxItems") else { return nil }
        guard value > 0 else {
            throw APIError(
                status: .badRequest, type: "max-items-must-be-greater-than-zero",
                message: "Parameter \"maxItems\" must be greater than zero.")
        }
        return value
    }

    func maxTotalChargeUsd() throws(APIError) -> Double? {
        guard let text = self["maxTotalChargeUsd"] else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw .invalidInput("Invalid value of \"maxTotalChargeUsd\" parameter: \"\(text)\" is not a number.")
        }
        guard value > 0 else {
            throw APIError(
                status: .badRequest, type: "max-total-charge-usd-must-be-greater-than-zero",
                message: "Parameter \"maxTotalChargeUsd\" must be greater than zero.")
        }
        return value
    }

    /// The ad-hoc webhooks of `webhooks=`: a Base64-encoded JSON array of webhook representations.
    func adHocWebhooks() throws(APIError) -> [Webhook] {
        guard let text = self["webhooks"] else { return [] }
        guard let data = Data(base64Encoded: text), case .array(let items) = try? JSONValue.parse(data) else {
            throw .invalidInput("Invalid value of \"webhooks\" parameter: it must be a Base64-encoded JSON array.")
        }
        var webhooks: [Webhook] = []
        for item in items {
            webhooks.append(try Webhook(json: item, isAdHoc: true))
        }
        return webhooks
    }
}
