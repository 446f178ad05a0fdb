import ApifyEmulator
import Foundation
import Testing

/// Abort (forced and graceful), resurrect, timeout and the account memory limit.
@Suite("Lifecycle: abort, resurrect, timeout, memory")
struct AbortResurrectTests {
    private func post(_ server: EmulatorServer, _ path: String) async throws -> LoopbackHTTPClient.Response {
        try await LoopbackHTTPClient.request("POST", server.baseURL + path, headers: bearer)
    }

    private func startSleeper(_ server: EmulatorServer, seconds: Double = 30, query: String = "") async throws
        -> String
    {
        let start = try await startRun(server, "emulator~sleep", query: query, input: #"{"seconds": \#(seconds)}"#)
        try #require(start.status == 201, "\(start.text)")
        return try #require(start.data?["id"] as? String)
    }

    @Test("a forced abort answers ABORTED at once; aborting a finished run answers 200 with it unchanged")
    func forcedAbort() async throws {
        try await withEmulator { server in
            let runID = try await startSleeper(server)
            let aborted = try await post(server, "/v2/actor-runs/\(runID)/abort")
            #expect(aborted.status == 200)
            #expect(aborted.data?["status"] as? String == "ABORTED")
            #expect(aborted.data?["finishedAt"] is String)
            let again = try await post(server, "/v2/actor-runs/\(runID)/abort?gracefully=true")
            #expect(again.status == 200)
            #expect(again.data?["status"] as? String == "ABORTED")
            #expect(again.data?["finishedAt"] as? String == aborted.data?["finishedAt"] as? String)
        }
    }

    @Test("a graceful abort answers ABORTING, then the run ends ABORTED")
    func gracefulAbort() async throws {
        try await withEmulator { server in
            let runID = try await startSleeper(server)
            let aborting = try await post(server, "/v2/actor-runs/\(runID)/abort?gracefully=1")
            #expect(aborting.data?["status"] as? String == "ABORTING")
            let ended = try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=5")
            #expect(ended.data?["status"] as? String == "ABORTED")
            #expect(ended.data?["isStatusMessageTerminal"] as? Bool == true)
        }
    }

    @Test("the run timeout ends a run TIMED-OUT")
    func timeout() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~sleep", query: "timeout=1", input: #"{"seconds": 30}"#)
            #expect(run["status"] as? String == "TIMED-OUT")
            #expect(run["statusMessage"] as? String == "Actor run timed out")
        }
    }

    @Test("resurrect: RUNNING again with the same storages, new options, resurrectCount + 1, then SUCCEEDED")
    func resurrect() async throws {
        try await withEmulator { server in
            let runID = try await startSleeper(server, seconds: 0.3)
            _ = try await post(server, "/v2/actor-runs/\(runID)/abort")
            let aborted = try #require(try await get(server, "/v2/actor-runs/\(runID)").data)
            let resurrected = try await post(server, "/v2/actor-runs/\(runID)/resurrect?timeout=20&memory=512")
            #expect(resurrected.status == 200)
            let run = try #require(resurrected.data)
            #expect(run["status"] as? String == "RUNNING")
            #expect(run["finishedAt"] is NSNull)
            #expect(run["defaultKeyValueStoreId"] as? String == aborted["defaultKeyValueStoreId"] as? String)
            #expect(run["defaultDatasetId"] as? String == aborted["defaultDatasetId"] as? String)
            #expect((run["stats"] as? [String: Any])?["resurrectCount"] as? Int == 1)
            #expect((run["options"] as? [String: Any])?["timeoutSecs"] as? Int == 20)
            #expect((run["options"] as? [String: Any])?["memoryMbytes"] as? Int == 512)

            let ended = try #require(try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=10").data)
            #expect(ended["status"] as? String == "SUCCEEDED")
            let output = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
            #expect(output.text == "{\"slept\": 0.3}\n")
            let log = try await get(server, "/v2/logs/\(runID)")
            #expect(log.text.contains("Run resurrected"))
        }
    }

    @Test("resurrect of a running run is 400; the timeout counts again from the resurrect")
    func resurrectRules() async throws {
        try await withEmulator { server in
            let runID = try await startSleeper(server, seconds: 30, query: "timeout=1")
            let refused = try await post(server, "/v2/actor-runs/\(runID)/resurrect")
            #expect(refused.status == 400)
            #expect(refused.error?["type"] == "invalid-request")
            let timedOut = try #require(try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=10").data)
            #expect(timedOut["status"] as? String == "TIMED-OUT")
            let resurrected = try await post(server, "/v2/actor-runs/\(runID)/resurrect")
            #expect(resurrected.data?["status"] as? String == "RUNNING")
            let clock = ContinuousClock()
            let began = clock.now
            let again = try #require(try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=10").data)
            #expect(again["status"] as? String == "TIMED-OUT")
            #expect(clock.now - began > .milliseconds(700))
        }
    }

    @Test("the account memory limit answers 402 actor-memory-limit-exceeded; finished runs free their memory")
    func memoryLimit() async throws {
        var configuration = EmulatorConfiguration(token: testToken)
        configuration.memoryLimitMbytes = 4096
        try await withEmulator(configuration) { server in
            let first = try await startSleeper(server, query: "memory=2048")
            _ = try await startSleeper(server, query: "memory=2048")
            let refused = try await startRun(server, "emulator~sleep", query: "memory=128")
            #expect(refused.status == 402)
            #expect(refused.error?["type"] == "actor-memory-limit-exceeded")
            _ = try await post(server, "/v2/actor-runs/\(first)/abort")
            _ = try await startSleeper(server, query: "memory=2048")
            let resurrect = try await post(server, "/v2/actor-runs/\(first)/resurrect")
            #expect(resurrect.status == 402)
        }
    }

    @Test("runs report meta.userAgent, options, stats, exitCode and a statusMessage at every stage")
    func runFields() async throws {
        try await withEmulator { server in
            let start = try await LoopbackHTTPClient.request(
                "POST", server.baseURL + "/v2/actors/emulator~no-output/runs",
                headers: bearer + [("User-Agent", "ci-script/1.0")])
            let run = try #require(start.data)
            #expect((run["meta"] as? [String: Any])?["userAgent"] as? String == "ci-script/1.0")
            #expect(run["statusMessage"] is String)
            #expect(run.keys.contains("exitCode"))
            let runID = try #require(run["id"] as? String)
            let ended = try #require(try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=5").data)
            #expect(ended["exitCode"] as? Int == 0)
            #expect(ended["statusMessage"] as? String == "Actor run succeeded")
        }
    }
}
