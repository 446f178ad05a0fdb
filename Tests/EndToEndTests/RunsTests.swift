import ApifyEmulator
import Foundation
import Testing

/// `actor-run runs`: the newest runs as tab-separated lines, a table on a terminal, or JSON Lines.
@Suite struct RunsTests {
    @Test func runsAreListedNewestFirst() async throws {
        try await Harness.withEmulator { server in
            let first = try await Harness.run(["apify/hello-world", "--no-input", "-q"], emulator: server)
            let second = try await Harness.run(["emulator/fail", "--no-input", "-q"], emulator: server)
            let third = try await Harness.run(["apify/hello-world", "-i", #"{"message": "x"}"#], emulator: server)
            #expect([first.status, second.status, third.status] == [0, 1, 0])
            let newest = try Harness.runID(in: third)

            let plain = try await Harness.run(["runs", "apify/hello-world"], emulator: server)
            #expect(plain.status == 0, "\(plain.stderr)")
            let rows = plain.stdoutText.split(separator: "\n").map {
                $0.split(separator: "\t", omittingEmptySubsequences: false)
            }
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { $0.count == 6 })
            #expect(rows.first?.first.map(String.init) == newest)
            #expect(rows.allSatisfy { $0[1] == "SUCCEEDED" })

            let json = try await Harness.run(["runs", "apify/hello-world", "--json", "--limit", "1"], emulator: server)
            let lines = json.stdoutText.split(separator: "\n")
            #expect(lines.count == 1)
            let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
            #expect(object?["id"] as? String == newest)

            let failed = try await Harness.run(["runs", "emulator/fail", "--status", "failed"], emulator: server)
            #expect(failed.stdoutText.split(separator: "\n").count == 1)

            let table = try await Harness.run(
                ["runs", "apify/hello-world"], emulator: server, environment: ["TERM": "xterm"],
                shell: #"script -qfec "$(printf '%q ' "$0" "$@")" /dev/null"#)
            #expect(table.stdoutText.hasPrefix("ID "), "\(table.stdoutText)")
            #expect(table.stdoutText.contains(newest))
        }
    }

    @Test func aTaskIsListedByItsName() async throws {
        try await Harness.withEmulator { server in
            let started = try await Harness.run(["task", "emulator/hello-task", "--no-input", "-q"], emulator: server)
            #expect(started.status == 0, "\(started.stderr)")
            let listed = try await Harness.run(["runs", "emulator/hello-task"], emulator: server)
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(listed.stdoutText.split(separator: "\n").count == 1)
        }
    }
}
