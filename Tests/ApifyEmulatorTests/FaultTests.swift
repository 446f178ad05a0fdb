import ApifyEmulator
import Foundation
import Testing

/// Each fault mode, seen on the wire through a raw socket.
@Suite("Injected faults")
struct FaultTests {
    private func configuration(_ spec: String, actors: [ActorDefinition] = []) throws -> EmulatorConfiguration {
        EmulatorConfiguration(token: testToken, extraActors: actors, faults: try FaultRule.parse(spec))
    }

    private func runCount(_ server: EmulatorServer) async throws -> Int? {
        let list = try await get(server, "/v2/actor-runs", headers: bearer)
        return list.data?["total"] as? Int
    }

    @Test("the fault syntax parses every mode and option, and says what is wrong")
    func syntax() throws {
        let rules = try FaultRule.parse(
            "POST /v2/actors/*/runs: close-after; GET /v2/actor-runs/*: 503 x2 retry-after=3; "
                + "/v2/**: 429 x* skip=1; * /v2/datasets/*/items: truncate bytes=10; GET /v2/users/me: delay=1.5s; "
                + "GET /v2/actor-runs/*: 404-after-start=300ms; POST /v2/actor-runs/*/abort: close-before x3")
        #expect(rules.count == 7)
        #expect(rules[0] == FaultRule(method: "POST", path: "/v2/actors/*/runs", action: .closeAfter))
        #expect(rules[1].action == .status(503) && rules[1].count == 2 && rules[1].retryAfterSecs == 3)
        #expect(rules[2].method == nil && rules[2].count == nil && rules[2].skip == 1 && rules[2].retryAfterSecs == 1)
        #expect(rules[3].action == .truncate(bytes: 10))
        #expect(rules[4].action == .delay(milliseconds: 1500))
        #expect(rules[5].action == .notFoundAfterStart(milliseconds: 300))
        #expect(rules[6].action == .closeBefore && rules[6].count == 3)
        for bad in [
            "GET /v2/x", "GET /v2/x: 404", "FETCH /v2/x: 500", "v2/x: 500", "/v2/x: delay=soon", "/v2/x: 500 y2",
        ] {
            #expect(throws: EmulatorError.self, "\(bad)") { try FaultRule.parse(bad) }
        }
    }

    @Test("429 answers with Retry-After for the next N matching requests, then the request goes through")
    func rateLimited() async throws {
        try await withEmulator(try configuration("POST /v2/acts/*/runs: 429 x2 retry-after=2")) { server in
            for _ in 0..<2 {
                let reply = try await startRun(server, "apify~hello-world")
                #expect(reply.status == 429)
                #expect(reply.header("Retry-After") == "2")
                #expect(reply.error?["type"] == "rate-limit-exceeded")
            }
            #expect(try await runCount(server) == 0)
            #expect(try await startRun(server, "apify~hello-world").status == 201)
            let log = await server.recordedRequests()
            #expect(log.filter { $0.fault != nil }.count == 2)
        }
    }

    @Test("a 5xx fault answers that status on the wire, after skip=N requests went through")
    func serverError() async throws {
        try await withEmulator(try configuration("GET /v2/users/me: 502 skip=1")) { server in
            #expect(try await get(server, "/v2/users/me", headers: bearer).status == 200)
            let reply = try await LoopbackHTTPClient.raw("GET", server.baseURL + "/v2/users/me", headers: bearer)
            #expect(reply.headLines?.first?.hasPrefix("HTTP/1.1 502") == true)
            #expect(reply.text.contains("internal-server-error"))
            #expect(try await get(server, "/v2/users/me", headers: bearer).status == 200)
        }
    }

    @Test("close-before drops the connection with no answer and nothing happens on the server")
    func closeBefore() async throws {
        try await withEmulator(try configuration("POST /v2/actors/*/runs: close-before")) { server in
            let reply = try await LoopbackHTTPClient.raw(
                "POST", server.baseURL + "/v2/actors/apify~hello-world/runs", headers: bearer)
            #expect(reply.bytes.isEmpty)
            #expect(try await runCount(server) == 0)
        }
    }

    @Test("close-after processes the request (the run exists) and drops the connection with no answer")
    func closeAfter() async throws {
        try await withEmulator(try configuration("POST /v2/actors/*/runs: close-after")) { server in
            let reply = try await LoopbackHTTPClient.raw(
                "POST", server.baseURL + "/v2/actors/apify~hello-world/runs", headers: bearer)
            #expect(reply.bytes.isEmpty)
            #expect(try await runCount(server) == 1)
            let last = try await get(server, "/v2/actors/apify~hello-world/runs/last?waitForFinish=10", headers: bearer)
            #expect(last.data?["status"] as? String == "SUCCEEDED")
        }
    }

    @Test("truncate sends a head promising Content-Length, part of the body, then closes")
    func truncate() async throws {
        let spec = "GET /v2/actor-runs/*/key-value-store/records/*: truncate; GET /v2/users/me: truncate bytes=7"
        try await withEmulator(try configuration(spec)) { server in
            let run = try await runToEnd(server, "emulator~binary")
            let runID = try #require(run["id"] as? String)
            let reply = try await LoopbackHTTPClient.raw(
                "GET", server.baseURL + "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
            let head = try #require(reply.headLines)
            #expect(head.first?.hasPrefix("HTTP/1.1 200") == true)
            #expect(head.contains { $0.lowercased() == "content-length: 65536" })
            #expect(reply.bodyBytes == 32768)

            let user = try await LoopbackHTTPClient.raw("GET", server.baseURL + "/v2/users/me", headers: bearer)
            #expect(user.bodyBytes == 7)
            let length = user.headLines?.first { $0.lowercased().hasPrefix("content-length:") }
            #expect(Int(length?.split(separator: " ").last ?? "") ?? 0 > 7)
        }
    }

    @Test("delay holds the head for the given time, for the matched request only")
    func delay() async throws {
        try await withEmulator(try configuration("GET /v2/users/me: delay=1500ms")) { server in
            let clock = ContinuousClock()
            let began = clock.now
            let slow = try await get(server, "/v2/users/me", headers: bearer)
            #expect(slow.status == 200)
            #expect(clock.now - began >= .milliseconds(1500))
            let fast = try await get(server, "/v2/users/me", headers: bearer)
            #expect(fast.status == 200)
            let faults = await server.recordedRequests().map(\.fault)
            #expect(faults == ["GET /v2/users/me: delay=1500ms x1", nil])
        }
    }

    @Test("404-after-start: GET of a new run is 404 record-not-found inside the window, 200 once it has passed")
    func notFoundAfterStart() async throws {
        // Each actor has its own window. The long one shows the 404 without racing the clock on a busy machine; the
        // short one is polled until it answers, which the server must not do before the window has passed.
        let lagging = ActorDefinition(
            id: "LaggingActor00001", username: "me", name: "lagging", steps: [.log("hi")],
            faults: "GET /v2/actor-runs/*: 404-after-start=600s")
        let brief = ActorDefinition(
            id: "BriefLagActor0001", username: "me", name: "brief", steps: [.log("hi")],
            faults: "GET /v2/actor-runs/*: 404-after-start=300ms")
        try await withEmulator(try configuration("", actors: [lagging, brief])) { server in
            let lagged = try #require(try await startRun(server, "me~lagging").data?["id"] as? String)
            let early = try await get(server, "/v2/actor-runs/\(lagged)")
            #expect(early.status == 404)
            #expect(early.error?["type"] == "record-not-found")
            #expect(await server.recordedRequests().last?.fault == "404-after-start")

            let start = try await startRun(server, "me~brief")
            let runID = try #require(start.data?["id"] as? String)
            let startedText = try #require(start.data?["startedAt"] as? String)
            let startedAt = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(startedText)
            // A safety net against hanging, not a timing assertion.
            let giveUp = Date().addingTimeInterval(60)
            var later = try await get(server, "/v2/actor-runs/\(runID)")
            while later.status == 404, Date() < giveUp {
                try await Task.sleep(for: .milliseconds(20))
                later = try await get(server, "/v2/actor-runs/\(runID)")
            }
            #expect(later.status == 200)
            #expect(later.data?["id"] as? String == runID)
            #expect(Date().timeIntervalSince(startedAt) >= 0.3)
            #expect(try await get(server, "/v2/actor-runs/\(lagged)").status == 404)
        }
    }

    @Test("an actor's own faults hit only requests about that actor")
    func perActorFaults() async throws {
        let flaky = ActorDefinition(
            id: "FlakyActor0000001", username: "me", name: "flaky", steps: [.log("hi")],
            faults: "POST /v2/actors/*/runs: 503 x1")
        try await withEmulator(try configuration("", actors: [flaky])) { server in
            let other = try await startRun(server, "apify~hello-world")
            let first = try await startRun(server, "me~flaky")
            let second = try await startRun(server, "me~flaky")
            #expect([other.status, first.status, second.status] == [Int]([201, 503, 201]))
        }
    }
}
