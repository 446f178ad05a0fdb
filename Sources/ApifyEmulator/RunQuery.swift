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

    /// `webhooks` must be Base64 of a JSON array; the emulator accepts them but does not call them (yet).
    func validateWebhooks() throws(APIError) {
        guard let text = self["webhooks"] else { return }
        guard let data = Data(base64Encoded: text), case .array = try? JSONValue.parse(data) else {
            throw .invalidInput("Invalid value of \"webhooks\" parameter: it must be a Base64-encoded JSON array.")
        }
    }
}
