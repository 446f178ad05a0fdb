import Foundation

/// The API's date-time text: ISO 8601 in UTC with milliseconds (`2026-08-05T13:31:45.123Z`).
enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func string(_ date: Date) -> String {
        style.format(date)
    }

    /// Log lines carry the same timestamp the platform prefixes them with.
    static func logLine(_ text: String, at date: Date) -> String {
        "\(string(date)) \(text)"
    }
}
