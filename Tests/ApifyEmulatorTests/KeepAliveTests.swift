import ApifyEmulator
import Foundation
import Testing

/// What happens to the connection after a fault: a client's retry after a 429 goes out on the kept-alive connection.
@Suite("Connections after faults")
struct KeepAliveTests {
    private func configuration(_ spec: String) throws -> EmulatorConfiguration {
        EmulatorConfiguration(token: testToken, faults: try FaultRule.parse(spec))
    }

    @Test("after a 429 the connection stays open and the retry on it is served")
    func keptAliveAfter429() async throws {
        try await withEmulator(try configuration("POST /v2/actors/*/runs: 429 x1")) { server in
            let connection = try await KeepAliveConnection.open(server.baseURL)
            defer { connection.close() }
            let target = "/v2/actors/apify~hello-world/runs"
            let limited = try #require(try await connection.exchange("POST", target, headers: bearer))
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "1")
            #expect(limited.header("Connection")?.lowercased() != "close")
            let retried = try #require(try await connection.exchange("POST", target, headers: bearer))
            #expect(retried.status == 201)
            #expect(retried.data?["id"] is String)
        }
    }

    @Test("429 then close-after skip=1: the retry on the kept-alive connection starts the run and gets no answer")
    func rateLimitedThenCut() async throws {
        let spec = "POST /v2/actors/*/runs: 429 x1; POST /v2/actors/*/runs: close-after skip=1"
        try await withEmulator(try configuration(spec)) { server in
            let connection = try await KeepAliveConnection.open(server.baseURL)
            defer { connection.close() }
            let target = "/v2/actors/apify~hello-world/runs"
            let limited = try #require(try await connection.exchange("POST", target, headers: bearer))
            #expect(limited.status == 429)
            #expect(try await connection.exchange("POST", target, headers: bearer) == nil)
            let runs = try await get(server, "/v2/actor-runs", headers: bearer)
            #expect(runs.data?["total"] as? Int == 1)
            let faults = await server.recordedRequests().filter { $0.method == "POST" }.map(\.fault)
            #expect(
                faults == [
                    "POST /v2/actors/*/runs: 429 x1 retry-after=1", "POST /v2/actors/*/runs: close-after x1 skip=1",
                ])
            // The third start is served: both rules are spent.
            #expect(try await startRun(server, "apify~hello-world").status == 201)
        }
    }

    @Test("skip counts every request the rule matches, also those an earlier rule answered")
    func skipCountsAnsweredRequests() async throws {
        let spec = "GET /v2/users/me: 503; GET /v2/users/me: 502 skip=1; GET /v2/users/me: 500 skip=3"
        try await withEmulator(try configuration(spec)) { server in
            var statuses: [Int] = []
            for _ in 0..<5 {
                statuses.append(try await get(server, "/v2/users/me", headers: bearer).status)
            }
            #expect(statuses == [503, 502, 200, 500, 200])
        }
    }
}
