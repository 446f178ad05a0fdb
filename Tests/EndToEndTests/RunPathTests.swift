import ApifyEmulator
import Foundation
import Testing

/// The built `actor-run` against the emulator over loopback: exact stdout bytes, stderr lines, exit codes, and
/// the requests the server saw.
@Suite struct RunPathTests {
    @Test func helloWorldPrintsItsOutputRecord() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                [
                    "apify/hello-world", "--memory", "1024", "--timeout", "0", "--build", "latest", "-i",
                    #"{"message": "Ada"}"#,
                ],
                emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == "{\"greeting\": \"Hello, Ada!\"}\n")
            let runID = try Harness.runID(in: result)
            let startLine = "actor-run: started run \(runID) of apify~hello-world (build 0.0.1, 1024 MB): "
            let firstLine = try #require(result.stderrLines.first)
            #expect(firstLine.hasPrefix(startLine), "\(firstLine)")
            let startStatus = firstLine.dropFirst(startLine.count)
            #expect(result.stderrLines.last?.hasPrefix("actor-run: run \(runID) SUCCEEDED in ") == true)
            #expect(result.stderrLines.last?.hasSuffix("; wrote 28 bytes") == true)

            let requests = await server.recordedRequests()
            let post = try #require(requests.first)
            #expect(post.method == "POST")
            #expect(post.path == "/v2/actors/apify~hello-world/runs")
            // The server holds the start up to 2 s: a run that ends within it needs no request of its own.
            #expect(post.query == "build=latest&timeout=0&memory=1024&waitForFinish=2")
            #expect(post.header("Authorization") == "Bearer \(Harness.token)")
            #expect(post.header("Content-Type") == "application/json")
            #expect(post.bodyLength == 18)
            for request in requests {
                #expect(!(request.query ?? "").contains(Harness.token), "token in a URL: \(request.path)")
                #expect(!request.path.contains(Harness.token))
            }
            #expect(requests.dropFirst().allSatisfy { $0.method == "GET" })
            // The start, then the record. A run that ended within the hold needs nothing between them; on a busy
            // machine the hold can end first, and then the run is polled until it ends.
            let polls = try Harness.pollsBetweenStartAndRecord(requests, runID: runID)
            #expect(
                startStatus == "SUCCEEDED" ? polls == 0 : ["READY", "RUNNING"].contains(startStatus) && polls > 0,
                "started \(startStatus), then \(polls) polls")
        }
    }

    @Test func binaryRecordIsCopiedByteForByte() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["emulator/binary", "--no-input"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.count == 65536)
            #expect(result.stdout == (0..<65536).map { UInt8($0 % 256) })
        }
    }

    @Test func recordRedirectKeepsTheTokenAtHome() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["emulator/redirect", "--no-input"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == "{\"redirected\": true}\n")
            let requests = await server.recordedRequests()
            let signed = try #require(requests.first { ($0.query ?? "").contains("signature=") })
            #expect(signed.header("Authorization") == nil)
        }
    }

    @Test func detachPrintsTheRunIDAndReturns() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#, "--detach"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            #expect(result.stdoutText == "\(runID)\n")
            #expect(await server.recordedRequests().count == 1)
        }
    }

    @Test func waitLimitExitsFourWithTheRunID() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#, "--wait", "1s"], emulator: server)
            #expect(result.status == 4, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            #expect(result.stdoutText == "\(runID)\n")
            #expect(
                result.stderrLines.last
                    == "actor-run: stopped waiting: run \(runID) is still RUNNING; resume with `actor-run wait \(runID)`"
            )
        }
    }
}

extension RecordedRequest {
    func header(_ name: String) -> String? {
        headers.first { $0.first?.lowercased() == name.lowercased() }.flatMap { $0.count > 1 ? $0[1] : nil }
    }
}
