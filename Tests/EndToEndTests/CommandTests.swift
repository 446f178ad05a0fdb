import ApifyEmulator
import Foundation
import Testing

/// `actor-run wait` and `actor-run abort` on runs started elsewhere.
@Suite struct CommandTests {
    @Test func waitAttachesToARunAndPrintsItsOutput() async throws {
        try await Harness.withEmulator { server in
            let detached = try await Harness.run(
                ["apify/hello-world", "-i", #"{"message": "later"}"#, "--detach", "-q"], emulator: server)
            #expect(detached.status == 0, "\(detached.stderr)")
            #expect(detached.stderr.isEmpty)
            let runID = detached.stdoutText.trimmingCharacters(in: .newlines)
            let waited = try await Harness.run(["wait", runID], emulator: server)
            #expect(waited.status == 0, "\(waited.stderr)")
            #expect(waited.stdoutText == "{\"greeting\": \"Hello, later!\"}\n")
            #expect(waited.stderrLines.last?.hasPrefix("actor-run: run \(runID) SUCCEEDED") == true)
            let posts = await server.recordedRequests().filter { $0.method == "POST" }
            #expect(posts.count == 1, "wait must not start a run")
        }
    }

    @Test func waitOnAnUnknownRunIsExit67() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["wait", "NoSuchRun12345678"], emulator: server)
            #expect(result.status == 67, "\(result.stderr)")
            #expect(result.stderrLines.count == 1)
            #expect(result.stderrLines[0].hasPrefix("actor-run: cannot get run NoSuchRun12345678: "))
        }
    }

    @Test func abortStopsARunAndWaitSeesIt() async throws {
        try await Harness.withEmulator { server in
            let detached = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#, "--detach"], emulator: server)
            let runID = detached.stdoutText.trimmingCharacters(in: .newlines)
            let aborted = try await Harness.run(["abort", runID, "--force"], emulator: server)
            #expect(aborted.status == 0, "\(aborted.stderr)")
            #expect(aborted.stderrLines == ["actor-run: run \(runID): ABORTED"])
            let abortRequest = try #require(await server.recordedRequests().first { $0.path.hasSuffix("/abort") })
            #expect(abortRequest.query == "gracefully=false")
            let waited = try await Harness.run(["wait", runID], emulator: server)
            #expect(waited.status == 3, "\(waited.stderr)")
            #expect(waited.stdout.isEmpty)
        }
    }

    @Test func verboseShowsRequestsButNeverTheToken() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input", "-v"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stderrLines.contains(
                    "actor-run: > POST \(server.baseURL)/v2/actors/apify~hello-world/runs?waitForFinish=2"))
            #expect(result.stderrLines.contains { $0.hasPrefix("actor-run: < 201 ") })
            #expect(!result.stderr.contains(Harness.token))
        }
    }

    @Test func quietLeavesOnlyErrors() async throws {
        try await Harness.withEmulator { server in
            let ok = try await Harness.run(["apify/hello-world", "--no-input", "-q"], emulator: server)
            #expect(ok.status == 0)
            #expect(ok.stderr.isEmpty)
            #expect(ok.stdoutText == "{\"greeting\": \"Hello, world!\"}\n")
            let failed = try await Harness.run(["emulator/fail", "--no-input", "-q"], emulator: server)
            #expect(failed.status == 1)
            #expect(failed.stderrLines.count == 1)
        }
    }

    @Test func outputPrintsWithoutWaiting() async throws {
        try await Harness.withEmulator { server in
            let first = try await Harness.run(["apify/hello-world", "-i", #"{"message": "out"}"#], emulator: server)
            #expect(first.status == 0)
            let runID = try Harness.runID(in: first)
            // Whether the first call's start held until the run ended depends on how busy the machine is: only
            // what the `output` calls sent counts.
            let before = await server.recordedRequests().count
            let output = try await Harness.run(["output", runID], emulator: server)
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdoutText == "{\"greeting\": \"Hello, out!\"}\n")
            let input = try await Harness.run(["output", runID, "-k", "INPUT", "-q"], emulator: server)
            #expect(input.stdoutText == #"{"message": "out"}"#)
            let missing = try await Harness.run(["output", runID, "-k", "NOPE"], emulator: server)
            #expect(missing.status == 5)
            let requests = await server.recordedRequests().dropFirst(before)
            let queries = requests.filter { $0.path == "/v2/actor-runs/\(runID)" }.map { $0.query ?? "" }
            // One plain read per `output`, never a wait.
            #expect(queries == ["", "", ""])
        }
    }

    @Test func logPrintsTheRunsLogOnStdout() async throws {
        try await Harness.withEmulator { server in
            let first = try await Harness.run(["apify/hello-world", "--no-input", "--detach"], emulator: server)
            let runID = first.stdoutText.trimmingCharacters(in: .newlines)
            let followed = try await Harness.run(["log", runID, "--follow"], emulator: server)
            #expect(followed.status == 0, "\(followed.stderr)")
            #expect(followed.stderr.isEmpty)
            let lines = followed.stdoutText.split(separator: "\n")
            #expect(lines.contains { $0.hasSuffix("Hello world actor started") })
            #expect(lines.last?.hasSuffix("Run finished with status SUCCEEDED") == true)
            let plain = try await Harness.run(["log", runID], emulator: server)
            #expect(plain.stdout == followed.stdout)
        }
    }
}
