import Testing

@testable import ApifyClient

/// The API's timestamps, read without Foundation's formatters: a runs list has no durations, only start and end.
@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00.000Z", 0 as Int64?), ("2026-11-30T09:56:45.831Z", 1_796_032_605_831),
        ("2024-02-29T23:59:59Z", 1_709_251_199_000), ("2026-11-30T09:56:45.8Z", 1_796_032_605_800),
        ("2026-11-30 09:56:45Z", nil), ("2026-13-01T00:00:00Z", nil), ("yesterday", nil), ("", nil),
    ])
    func timestamps(text: String, milliseconds: Int64?) {
        #expect(millisecondsSince1970(timestamp: text) == milliseconds)
    }

    @Test func aListedRunHasADurationFromItsStartAndEnd() {
        var run = Run(id: "r", status: .succeeded)
        run.startedAt = "2026-11-30T09:56:45.831Z"
        run.finishedAt = "2026-11-30T09:56:50.841Z"
        #expect(run.durationMillis == 5010)
        run.finishedAt = nil
        #expect(run.durationMillis == nil)
    }
}
