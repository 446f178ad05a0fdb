import ApifyEmulator
import Foundation
import Testing

/// The emulator's faults on the wire against the built binary: one invocation starts at most one run, whatever
/// the network does, and a broken transfer never leaves a half-written output.
@Suite struct ReliabilityTests {
    private func runCount(_ server: EmulatorServer) async throws -> Int {
        let list = try await Harness.fetch("\(server.baseURL)/v2/actor-runs")
        let object = try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any]
        return try #require((object?["data"] as? [String: Any])?["total"] as? Int)
    }

    @Test func rateLimitedStartIsRepeatedAfterRetryAfter() async throws {
        try await Harness.withEmulator(faults: "POST /v2/actors/*/runs: 429 x2 retry-after=1") { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == "{\"greeting\": \"Hello, world!\"}\n")
            #expect(await server.recordedRequests().filter { $0.method == "POST" }.count == 3)
            #expect(try await runCount(server) == 1)
        }
    }

    @Test func serverErrorsWhileWaitingAreRidden() async throws {
        try await Harness.withEmulator(faults: "GET /v2/actor-runs/*: 503 x2") { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == "{\"greeting\": \"Hello, world!\"}\n")
        }
    }

    @Test func notFoundRightAfterTheStartIsWaitedOut() async throws {
        try await Harness.withEmulator(faults: "GET /v2/actor-runs/*: 404-after-start=6s") { server in
            // The start is held 2 s; the first read comes inside the 6 s window.
            let result = try await Harness.run(["emulator/sleep", "-i", #"{"seconds": 7}"#], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            // The emulator marks the reads it answered 404: the first was one of them, the last was not.
            let reads = await server.recordedRequests().filter {
                $0.method == "GET" && $0.path.hasPrefix("/v2/actor-runs/")
            }
            #expect(reads.first?.fault == "404-after-start")
            #expect(reads.last?.fault == nil)
        }
    }

    @Test func connectionLostAfterTheStartAdoptsTheRunInsteadOfStartingAnother() async throws {
        try await Harness.withEmulator(faults: "POST /v2/actors/*/runs: close-after") { server in
            let result = try await Harness.run(["apify/hello-world", "-i", #"{"message": "once"}"#], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == "{\"greeting\": \"Hello, once!\"}\n")
            #expect(result.stderrLines.first?.hasSuffix("; looking for the run it may have started") == true)
            #expect(await server.recordedRequests().filter { $0.method == "POST" }.count == 1)
            #expect(try await runCount(server) == 1)
        }
    }

    @Test func connectionClosedBeforeProcessingIsReportedWithNoRun() async throws {
        try await Harness.withEmulator(faults: "POST /v2/actors/*/runs: close-before x*") { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input"], emulator: server)
            #expect(result.status == 69, "\(result.stderr)")
            #expect(
                result.stderrLines.last?.hasSuffix(
                    "; no run started by this invocation was found among the newest runs")
                    == true)
            #expect(await server.recordedRequests().filter { $0.method == "POST" }.count == 1)
            #expect(try await runCount(server) == 0)
        }
    }

    @Test func recordCutEveryTimeLeavesNoOutputFileAndSaysHowToFetchIt() async throws {
        try await Harness.withEmulator(faults: "GET /v2/key-value-stores/*/records/*: truncate x*") { server in
            let directory = try Harness.makeTemporaryDirectory("cut")
            defer { try? FileManager.default.removeItem(at: directory) }
            let output = directory.appendingPathComponent("out.bin").path
            let result = try await Harness.run(
                ["emulator/binary", "--no-input", "-o", output, "--retries", "2", "--retry-max-time", "60"],
                emulator: server)
            #expect(result.status == 69, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            #expect(result.stderrLines.last?.hasPrefix("actor-run: cannot get record OUTPUT: ") == true)
            #expect(
                result.stderrLines.last?.hasSuffix(
                    "; the run \(runID) SUCCEEDED: fetch its output with `actor-run output \(runID) -o \(output)`,"
                        + " not a new run") == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
            // Every later attempt resumes where the bytes stopped; the attempts are bounded (--retries).
            let gets = await server.recordedRequests().filter { $0.path.contains("/records/OUTPUT") }
            #expect(gets.count == 3)
            #expect(gets.dropFirst().allSatisfy { $0.header("Range")?.hasPrefix("bytes=") == true })
            #expect(try await runCount(server) == 1)
        }
    }
}
