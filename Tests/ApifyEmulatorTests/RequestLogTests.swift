import ApifyEmulator
import Foundation
import Testing

@Suite("Request log")
struct RequestLogTests {
    @Test("every request is recorded in order with method, path, raw query, headers and body length")
    func recordsRequests() async throws {
        try await withEmulator { server in
            let input = #"{"message": "log"}"#
            _ = try await startRun(
                server, "apify%2Fhello-world", query: "memory=512&timeout=0", input: input,
                contentType: "application/json")
            _ = try await get(server, "/v2/nowhere")

            let recorded = await server.recordedRequests()
            #expect(recorded.count == 2)
            let start = try #require(recorded.first)
            #expect(start.method == "POST")
            #expect(start.path == "/v2/actors/apify%2Fhello-world/runs")
            #expect(start.query == "memory=512&timeout=0")
            #expect(start.bodyLength == input.utf8.count)
            #expect(start.header("authorization") == "Bearer \(testToken)")
            #expect(start.headers.contains(["Content-Type", "application/json"]))
            #expect(recorded[1].path == "/v2/nowhere")
            #expect(recorded[1].query == nil)
            #expect(recorded[1].bodyLength == 0)

            let served = try await get(server, "/_emulator/requests")
            #expect(served.status == 200)
            let decoded = try JSONDecoder().decode([RecordedRequest].self, from: Data(served.body))
            #expect(decoded == recorded)
            #expect(await server.recordedRequests().count == 2)
        }
    }

    @Test("the server listens on loopback and reports its bound port")
    func boundPort() async throws {
        try await withEmulator { server in
            #expect(server.port > 0)
            #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
        }
    }
}

@Suite("Server lifecycle")
struct ServerLifecycleTests {
    @Test("stop aborts running runs and answers a held waitForFinish request promptly")
    func stopReleasesHeldRequests() async throws {
        let server = try await EmulatorServer.start(EmulatorConfiguration(token: testToken))
        let start = try await startRun(server, "emulator~sleep")
        let runID = try #require(start.data?["id"] as? String)
        let held = Task { try await get(server, "/v2/actor-runs/\(runID)?waitForFinish=60") }
        try await requestArrived(at: server) { $0.query == "waitForFinish=60" }
        // Held for 60 s unless stopping releases it: the ABORTED answer is the proof.
        await server.stop()
        let response = try await held.value
        #expect(response.status == 200)
        #expect(response.data?["status"] as? String == "ABORTED", "\(response.status) \(response.text)")
        #expect(response.data?["statusMessage"] as? String == "The emulator was stopped")
    }

    @Test("a port in use fails to start with bindFailed")
    func portInUse() async throws {
        try await withEmulator { server in
            await #expect(throws: EmulatorError.self) {
                let second = try await EmulatorServer.start(EmulatorConfiguration(port: server.port))
                await second.stop()
            }
        }
    }
}
