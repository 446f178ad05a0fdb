import ApifyEmulator
import Foundation
import Testing

@Suite("Runs: start, wait, statuses")
struct RunLifecycleTests {
    @Test("start answers 201 with Location, the Run envelope and options; INPUT keeps bytes and content type")
    func startAnswersCreated() async throws {
        try await withEmulator { server in
            let input = #"{"message": "Ada",  "n": 1}"#
            let response = try await startRun(
                server, "emulator~echo", query: "memory=256&timeout=120&maxItems=5&maxTotalChargeUsd=1.5&build=latest",
                input: input, contentType: "application/json; charset=utf-8")
            #expect(response.status == 201)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            let run = try #require(response.data)
            let runID = try #require(run["id"] as? String)
            #expect(runID.count == 17)
            #expect(response.header("Location") == "\(server.baseURL)/v2/actors/emulatorEcho00001/runs/\(runID)")
            #expect(run["actId"] as? String == "emulatorEcho00001")
            #expect(["READY", "RUNNING"].contains(run["status"] as? String))
            #expect(run["finishedAt"] is NSNull)
            #expect(run["buildNumber"] as? String == "0.0.1")
            let options = try #require(run["options"] as? [String: Any])
            #expect(options["build"] as? String == "latest")
            #expect(options["memoryMbytes"] as? Int == 256)
            #expect(options["diskMbytes"] as? Int == 512)
            #expect(options["timeoutSecs"] as? Int == 120)
            #expect(options["maxItems"] as? Int == 5)
            #expect(options["maxTotalChargeUsd"] as? Double == 1.5)
            let meta = try #require(run["meta"] as? [String: Any])
            #expect(meta["origin"] as? String == "API")
            let stats = try #require(run["stats"] as? [String: Any])
            #expect(stats["inputBodyLen"] as? Int == input.utf8.count)

            let record = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/INPUT")
            #expect(record.status == 200)
            #expect(record.header("Content-Type") == "application/json; charset=utf-8")
            #expect(record.body == Array(input.utf8))
        }
    }

    @Test("readySecs: a run stays READY as long as its actor says, and one with no READY phase ends within the start")
    func readyPhaseFollowsTheDefinition() async throws {
        let slow = ActorDefinition(
            id: "SlowStart00000001", username: "me", name: "slow-start", steps: [], readySecs: 60)
        let instant = ActorDefinition(
            id: "NoReadyPhase00001", username: "me", name: "no-ready", steps: [], readySecs: 0)
        try await withEmulator(EmulatorConfiguration(token: testToken, extraActors: [slow, instant])) { server in
            let started = try #require(try await startRun(server, "me~slow-start").data)
            let runID = try #require(started["id"] as? String)
            let run = try #require(try await get(server, "/v2/actor-runs/\(runID)", headers: bearer).data)
            #expect(run["status"] as? String == "READY")
            let ended = try await runToEnd(server, "me~no-ready")
            #expect(ended["status"] as? String == "SUCCEEDED")
        }
    }

    @Test("defaults: 1024 MB, 3600 s, no INPUT record for an empty body")
    func defaults() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~no-output")
            let options = try #require(run["options"] as? [String: Any])
            #expect(options["memoryMbytes"] as? Int == 1024)
            #expect(options["diskMbytes"] as? Int == 2048)
            #expect(options["timeoutSecs"] as? Int == 3600)
            #expect(options["maxItems"] == nil)
            let storeID = try #require(run["defaultKeyValueStoreId"] as? String)
            let input = try await get(server, "/v2/key-value-stores/\(storeID)/records/INPUT")
            #expect(input.status == 404)
            #expect(input.error?["type"] == "record-not-found")
        }
    }

    @Test("waitForFinish holds the request until the run ends")
    func waitForFinishHolds() async throws {
        try await withEmulator { server in
            let start = try await startRun(server, "emulator~sleep", input: #"{"seconds": 0.4}"#)
            let runID = try #require(start.data?["id"] as? String)
            #expect(["READY", "RUNNING"].contains(start.data?["status"] as? String))

            let waited = try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=999999")
            #expect(waited.status == 200)
            let run = try #require(waited.data)
            #expect(run["status"] as? String == "SUCCEEDED")
            #expect(run["exitCode"] as? Int == 0)
            #expect(run["finishedAt"] is String)
            #expect(run["isStatusMessageTerminal"] as? Bool == true)
            let stats = try #require(run["stats"] as? [String: Any])
            #expect((stats["durationMillis"] as? Int ?? 0) >= 400)

            let output = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
            #expect(output.text == "{\"slept\": 0.4}\n")
        }
    }

    @Test("waitForFinish on a running run returns the transitional status when the wait ends first")
    func waitForFinishTimesOutFirst() async throws {
        try await withEmulator { server in
            let start = try await startRun(server, "emulator~sleep", input: #"{"seconds": 30}"#)
            let runID = try #require(start.data?["id"] as? String)
            let waited = try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=0.3")
            #expect(waited.status == 200)
            #expect(waited.data?["status"] as? String == "RUNNING")
            #expect(waited.data?["finishedAt"] is NSNull)
        }
    }

    @Test("apify/hello-world greets the input's message, or the world")
    func helloWorldOutput() async throws {
        try await withEmulator { server in
            for (input, expected) in [
                (#"{"message": "Ada"}"#, "{\"greeting\": \"Hello, Ada!\"}\n"),
                (nil, "{\"greeting\": \"Hello, world!\"}\n"),
                (#"{"other": 1}"#, "{\"greeting\": \"Hello, world!\"}\n"),
                (#"{"message": "say \"hi\""}"#, "{\"greeting\": \"Hello, say \\\"hi\\\"!\"}\n"),
            ] {
                let run = try await runToEnd(server, "apify~hello-world", input: input)
                #expect(run["status"] as? String == "SUCCEEDED")
                #expect(run["exitCode"] as? Int == 0)
                let runID = try #require(run["id"] as? String)
                let output = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
                #expect(output.status == 200)
                #expect(output.header("Content-Type") == "application/json; charset=utf-8")
                #expect(output.text == expected)
            }
        }
    }

    @Test("emulator/fail ends FAILED with exit code 1 and its status message")
    func failedRun() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~fail")
            #expect(run["status"] as? String == "FAILED")
            #expect(run["exitCode"] as? Int == 1)
            #expect(run["statusMessage"] as? String == "Simulated failure")
            #expect(run["finishedAt"] is String)
        }
    }

    @Test("emulator/abort ends ABORTED with a null exit code")
    func abortedRun() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~abort")
            #expect(run["status"] as? String == "ABORTED")
            #expect(run["exitCode"] is NSNull)
            #expect(run["finishedAt"] is String)
        }
    }

    @Test("a run past its timeout ends TIMED-OUT")
    func timedOutRun() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~sleep", query: "timeout=1")
            #expect(run["status"] as? String == "TIMED-OUT")
            #expect(run["finishedAt"] is String)
            let stats = try #require(run["stats"] as? [String: Any])
            let duration = try #require(stats["durationMillis"] as? Int)
            // The timeout ended it (emulator/sleep sleeps an hour), not before the timeout, and the duration is the
            // span between the run's own timestamps: no bound on how long this machine took.
            #expect(duration >= 1000 && duration < 3_600_000)
            let timestamps = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
            let startedAt = try timestamps.parse(try #require(run["startedAt"] as? String))
            let finishedAt = try timestamps.parse(try #require(run["finishedAt"] as? String))
            #expect(abs(Double(duration) - finishedAt.timeIntervalSince(startedAt) * 1000) <= 2)
            let runID = try #require(run["id"] as? String)
            let output = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
            #expect(output.status == 404)
        }
    }

    @Test("abort stops a running run")
    func abortEndpoint() async throws {
        try await withEmulator { server in
            let start = try await startRun(server, "emulator~sleep")
            let runID = try #require(start.data?["id"] as? String)
            let abort = try await LoopbackHTTPClient.request(
                "POST", "\(server.baseURL)/v2/actor-runs/\(runID)/abort", headers: bearer)
            #expect(abort.status == 200)
            #expect(["ABORTING", "ABORTED"].contains(abort.data?["status"] as? String))
            let waited = try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=5")
            #expect(waited.data?["status"] as? String == "ABORTED")
        }
    }

    @Test("the deprecated actor-scoped run path and runs/last answer the same run")
    func deprecatedRunPath() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~no-output")
            let runID = try #require(run["id"] as? String)
            for path in ["/v2/acts/emulator~no-output/runs/\(runID)", "/v2/actors/emulatorNoOutput1/runs/last"] {
                let response = try await get(server, path, headers: bearer)
                #expect(response.status == 200, "\(path)")
                #expect(response.data?["id"] as? String == runID, "\(path)")
            }
            let wrongActor = try await get(server, "/v2/actors/emulator~fail/runs/\(runID)", headers: bearer)
            #expect(wrongActor.status == 404)
        }
    }
}
