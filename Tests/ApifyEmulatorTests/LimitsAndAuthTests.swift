import Foundation
import Testing

@testable import ApifyEmulator

/// The natural limits (per-resource rate limits, concurrent runs) and the token rules of issue 9, in-process; the
/// official client drives the same behaviour in `Tests/conformance/test_fidelity.py`.
@Suite("Natural limits and auth")
struct LimitsAndAuthTests {
    @Test("a request over the per-resource limit gets 429 rate-limit-exceeded; other resources are not affected")
    func rateLimit() async throws {
        var configuration = EmulatorConfiguration(token: testToken)
        configuration.rateLimits = .uniform(1)
        try await withEmulator(configuration) { server in
            // One token a second: the first request takes it, and the next one sent before a second has passed is
            // refused. Asked one after the other until that happens, so a slow machine only takes longer.
            var refused: LoopbackHTTPClient.Response?
            for _ in 0..<50 where refused == nil {
                let answer = try await get(server, "/v2/users/me", headers: bearer)
                if answer.status == 429 { refused = answer }
            }
            let answer = try #require(refused)
            #expect(answer.header("X-RateLimit-Limit") == "1")
            #expect(answer.text.contains(#""type":"rate-limit-exceeded""#))
            let other = try await get(server, "/v2/actors/apify~hello-world", headers: bearer)
            #expect(other.status == 200)
            #expect(other.header("X-RateLimit-Limit") == "1")
        }
    }

    @Test("the bucket: a limit of N admits N at once, then one more each 1/N second")
    func bucket() {
        let limiter = RateLimiter(limits: .uniform(2))
        let start = ContinuousClock.now
        #expect(limiter.admit(resource: "r", limit: 2, now: start))
        #expect(limiter.admit(resource: "r", limit: 2, now: start))
        #expect(!limiter.admit(resource: "r", limit: 2, now: start))
        #expect(limiter.admit(resource: "other", limit: 2, now: start))
        #expect(!limiter.admit(resource: "r", limit: 2, now: start + .milliseconds(400)))
        #expect(limiter.admit(resource: "r", limit: 2, now: start + .milliseconds(1000)))
    }

    @Test("the platform's limits by default, none with rateLimits = nil")
    func defaultsAndOff() async throws {
        try await withEmulator(EmulatorConfiguration(token: testToken)) { server in
            let response = try await get(server, "/v2/users/me", headers: bearer)
            #expect(response.header("X-RateLimit-Limit") == "60")
            let start = try await startRun(server, "apify~hello-world")
            #expect(start.header("X-RateLimit-Limit") == "400")
        }
        var configuration = EmulatorConfiguration(token: testToken)
        configuration.rateLimits = nil
        try await withEmulator(configuration) { server in
            let response = try await get(server, "/v2/users/me", headers: bearer)
            #expect(response.header("X-RateLimit-Limit") == nil)
        }
    }

    @Test("one run more than the concurrent-runs limit is 402 concurrent-runs-limit-exceeded")
    func concurrentRuns() async throws {
        var configuration = EmulatorConfiguration(token: testToken)
        configuration.concurrentRunsLimit = 1
        try await withEmulator(configuration) { server in
            let first = try await startRun(server, "emulator~sleep", input: #"{"seconds": 30}"#)
            #expect(first.status == 201)
            let second = try await startRun(server, "apify~hello-world")
            #expect(second.status == 402)
            #expect(second.text.contains(#""type":"concurrent-runs-limit-exceeded""#))
        }
    }

    @Test("runs/last needs a token; a run by ID does not; the read-only token may read but not start")
    func tokens() async throws {
        var configuration = EmulatorConfiguration(token: testToken)
        configuration.readOnlyToken = "read-only"
        try await withEmulator(configuration) { server in
            let run = try await runToEnd(server, "apify~hello-world")
            let runID = try #require(run["id"] as? String)
            #expect(try await get(server, "/v2/actor-runs/\(runID)").status == 200)
            let last = try await get(server, "/v2/actors/apify~hello-world/runs/last")
            #expect(last.status == 401)
            #expect(last.text.contains("token-not-provided"))
            #expect(try await get(server, "/v2/actors/apify~hello-world/runs/last/log").status == 401)
            #expect(try await get(server, "/v2/actor-tasks/emulator~hello-task").status == 401)
            let readOnly = [("Authorization", "Bearer read-only")]
            #expect(try await get(server, "/v2/actors/apify~hello-world/runs/last", headers: readOnly).status == 200)
            let refused = try await LoopbackHTTPClient.request(
                "POST", server.baseURL + "/v2/actors/apify~hello-world/runs", headers: readOnly)
            #expect(refused.status == 403)
            #expect(refused.text.contains("insufficient-permissions"))
        }
    }

    @Test("scripted items keep their key order; a run's userId is the caller's")
    func keyOrderAndUserID() async throws {
        let catalog =
            #"{"actors": [{"id": "OrderedItems00001", "username": "me", "name": "ordered", "#
            + #""steps": [{"pushItems": [{"z": 1, "a": {"y": 2, "b": 3}}]}]}]}"#
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ordered-\(UUID()).json")
        try Data(catalog.utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let actors = try ActorCatalog.load(contentsOf: path.path).actors
        try await withEmulator(EmulatorConfiguration(token: testToken, extraActors: actors)) { server in
            let run = try await runToEnd(server, "me~ordered")
            let datasetID = try #require(run["defaultDatasetId"] as? String)
            let items = try await get(server, "/v2/datasets/\(datasetID)/items")
            #expect(items.text == #"[{"z":1,"a":{"y":2,"b":3}}]"#)
            let me = try #require(try await get(server, "/v2/users/me", headers: bearer).data)
            #expect(run["userId"] as? String == me["id"] as? String)
        }
    }
}
