import ApifyEmulator
import Foundation
import Testing

/// The faults that make the emulator a hostile server (slow, leaky, huge, compressed, malformed, resetting), each
/// seen on the wire through a raw loopback socket.
@Suite("Hostile-server faults")
struct HostileFaultTests {
    private func configuration(_ spec: String, actors: [ActorDefinition] = []) throws -> EmulatorConfiguration {
        EmulatorConfiguration(token: testToken, extraActors: actors, faults: try FaultRule.parse(spec))
    }

    private func runCount(_ server: EmulatorServer) async throws -> Int? {
        try await get(server, "/v2/actor-runs", headers: bearer).data?["total"] as? Int
    }

    @Test("the new actions parse, print back as written, and bad values are refused")
    func syntax() throws {
        let spec =
            "GET /v2/users/me: trickle=50; /v2/**: echo-headers x*; POST /v2/actors/*/runs: oversize=1000000; "
            + "GET /v2/actor-runs/*: gzip-bomb=5000 x2; GET /v2/actor-runs/*: mangle=bad-utf8 skip=1; "
            + "GET /v2/users/me: reset-after=10"
        let rules = try FaultRule.parse(spec)
        #expect(
            rules.map(\.action) == [
                .trickle(milliseconds: 50), .echoHeaders, .oversize(bytes: 1_000_000), .gzipBomb(bytes: 5000),
                .mangle(.badUTF8), .resetAfter(bytes: 10),
            ])
        #expect(rules[3].count == 2 && rules[4].skip == 1)
        #expect(rules[0].description == "GET /v2/users/me: trickle=50 x1")
        #expect(rules[4].description == "GET /v2/actor-runs/*: mangle=bad-utf8 x1 skip=1")
        for kind in FaultRule.Mangling.allCases {
            #expect(try FaultRule.parse("/v2/x: mangle=\(kind.rawValue)")[0].action == .mangle(kind))
        }
        for bad in [
            "/v2/x: trickle=0", "/v2/x: trickle=soon", "/v2/x: oversize=-1", "/v2/x: oversize=1k",
            "/v2/x: gzip-bomb=", "/v2/x: mangle=wrong", "/v2/x: reset-after=x", "/v2/x: echo-headers=1",
            "/v2/x: trickle=5 bytes=3",
        ] {
            #expect(throws: EmulatorError.self, "\(bad)") { try FaultRule.parse(bad) }
        }
    }

    @Test("trickle sends the head at once and one byte at a time, while other connections are served")
    func trickleDoesNotHoldTheServer() async throws {
        try await withEmulator(try configuration("GET /v2/users/me: trickle=60000")) { server in
            let slow = try await KeepAliveConnection.open(server.baseURL)
            defer { slow.close() }
            try await slow.send("GET", "/v2/users/me", headers: bearer)
            let first = try await slow.receive {
                guard let end = $0.firstRange(of: Array("\r\n\r\n".utf8)) else { return false }
                return $0.count > end.upperBound
            }
            let text = String(decoding: first.bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.hasSuffix("\r\n\r\n{"), "the head and exactly one byte: \(text)")

            // While the trickle waits for its next byte (a minute away), another connection is answered whole.
            let other = try await get(server, "/v2/users/me", headers: bearer)
            #expect(other.status == 200)
            #expect(other.data?["username"] != nil)
            #expect(slow.waiting().isEmpty)
        }
    }

    @Test("trickle delivers the same bytes as the real answer, Content-Length included")
    func trickleDeliversTheRealBody() async throws {
        try await withEmulator(try configuration("GET /v2/users/me: trickle=1")) { server in
            let trickled = try await get(server, "/v2/users/me", headers: bearer)
            let whole = try await get(server, "/v2/users/me", headers: bearer)
            #expect(trickled.status == 200)
            #expect(trickled.body == whole.body)
            #expect(trickled.header("Content-Length") == String(whole.body.count))
            let faults = await server.recordedRequests().map(\.fault)
            #expect(faults == ["GET /v2/users/me: trickle=1 x1", nil])
        }
    }

    @Test("echo-headers answers 400 invalid-input listing every header verbatim, and processes nothing")
    func echoHeaders() async throws {
        try await withEmulator(try configuration("POST /v2/actors/*/runs: echo-headers")) { server in
            let url = server.baseURL + "/v2/actors/apify~hello-world/runs"
            let headers = bearer + [("X-Trace", "a, b"), ("Content-Type", "application/json")]
            let reply = try await LoopbackHTTPClient.request("POST", url, headers: headers, body: Array("{}".utf8))
            #expect(reply.status == 400)
            #expect(reply.error?["type"] == "invalid-input")
            let port = server.port
            #expect(
                reply.error?["message"]
                    == "Invalid request; received headers: Host: 127.0.0.1:\(port), Connection: close, "
                    + "Authorization: Bearer \(testToken), X-Trace: a, b, Content-Type: application/json, "
                    + "Content-Length: 2")
            #expect(try await runCount(server) == 0)
        }
    }

    @Test("oversize processes the start and answers 201 with the real run padded to exactly N bytes")
    func oversize() async throws {
        let size = 3_000_000
        try await withEmulator(try configuration("POST /v2/actors/*/runs: oversize=\(size)")) { server in
            let reply = try await startRun(server, "apify~hello-world")
            #expect(reply.status == 201)
            #expect(reply.header("Content-Length") == String(size))
            #expect(reply.body.count == size)
            let run = try #require(reply.data)
            #expect((run["id"] as? String)?.count == 17)
            #expect(run["status"] as? String == "READY" || run["status"] as? String == "RUNNING")
            let padding = try #require(run["padding"] as? String)
            #expect(padding.count > size - 5000 && padding.allSatisfy { $0 == "x" })
            #expect(try await runCount(server) == 1)
        }
    }

    @Test("gzip-bomb processes the request and sends a small gzip body that inflates to exactly N bytes of JSON")
    func gzipBomb() async throws {
        let size = 50_000_000
        try await withEmulator(try configuration("POST /v2/actors/*/runs: gzip-bomb=\(size)")) { server in
            let reply = try await startRun(server, "apify~hello-world")
            #expect(reply.status == 201)
            #expect(reply.header("Content-Encoding") == "gzip")
            #expect(reply.header("Content-Length") == nil)
            #expect(reply.body.count < size / 500, "compressed \(reply.body.count) bytes")
            let inflated = try Gunzip.summary(of: reply.body, keeping: 40)
            #expect(inflated.count == size)
            #expect(String(decoding: inflated.head, as: UTF8.self).hasPrefix(#"{"data":{"padding":"xxxxxxxxxx"#))
            #expect(String(decoding: inflated.tail, as: UTF8.self).hasSuffix(#""platformUsageBillingModel":"USER"}}"#))
            #expect(try await runCount(server) == 1)
        }
    }

    @Test("mangle null-data and not-json replace the body of a processed start, keeping its status")
    func mangleReplacements() async throws {
        try await withEmulator(try configuration("POST /v2/actors/*/runs: mangle=null-data")) { server in
            let reply = try await startRun(server, "apify~hello-world")
            #expect(reply.status == 201)
            #expect(reply.text == #"{"data":null}"#)
            #expect(try await runCount(server) == 1)
        }
        try await withEmulator(try configuration("POST /v2/actors/*/runs: mangle=not-json")) { server in
            let reply = try await startRun(server, "apify~hello-world")
            #expect(reply.status == 201)
            #expect(reply.header("Content-Type") == "text/html")
            #expect(reply.text == "<html>oops</html>")
            #expect(try await runCount(server) == 1)
        }
    }

    @Test("mangle bad-utf8, float and bad-id alter one field of the real run and keep the rest")
    func mangleFields() async throws {
        try await withEmulator(try configuration("GET /v2/actor-runs/*: mangle=bad-utf8 x*")) { server in
            let start = try await startRun(server, "emulator~fail", query: "waitForFinish=30")
            let runID = try #require(start.data?["id"] as? String)
            let reply = try await get(server, "/v2/actor-runs/\(runID)")
            #expect(reply.status == 200)
            #expect(String(validating: reply.body, as: UTF8.self) == nil)
            let mangled = Array(#""statusMessage":""#.utf8) + [0xC3, 0x28, 0xFF] + Array("Simulated failure".utf8)
            #expect(reply.body.firstRange(of: mangled) != nil)
        }
        try await withEmulator(try configuration("GET /v2/actor-runs/*: mangle=float x*")) { server in
            let run = try await runToEnd(server, "apify~hello-world", query: "memory=512")
            let runID = try #require(run["id"] as? String)
            let reply = try await get(server, "/v2/actor-runs/\(runID)")
            let data = try #require(reply.data)
            let stats = try #require(data["stats"] as? [String: Any])
            let options = try #require(data["options"] as? [String: Any])
            #expect(options["memoryMbytes"] as? Double == 512.5)
            let duration = try #require(stats["durationMillis"] as? Double)
            let expected = Double(try #require((run["stats"] as? [String: Any])?["durationMillis"] as? Int)) + 0.5
            #expect(duration == expected)
            #expect(data["id"] as? String == runID)
        }
        try await withEmulator(try configuration("POST /v2/actors/*/runs: mangle=bad-id")) { server in
            let reply = try await startRun(server, "apify~hello-world")
            #expect(reply.status == 201)
            #expect(reply.data?["id"] as? String == "ab\u{1b}]0;pwned\u{07}\r\nactor-run: forged")
            #expect(reply.data?["actId"] as? String == "apifyHelloWorld01")
            #expect(try await runCount(server) == 1)
        }
    }

    @Test("reset-after sends the head and N body bytes, then resets the connection; truncate closes it in order")
    func resetAfter() async throws {
        let spec = "GET /v2/users/me: reset-after=10; GET /v2/users/me: truncate bytes=10 skip=1"
        try await withEmulator(try configuration(spec)) { server in
            let reset = try await LoopbackHTTPClient.raw("GET", server.baseURL + "/v2/users/me", headers: bearer)
            #expect(reset.headLines?.first?.hasPrefix("HTTP/1.1 200") == true)
            #expect(reset.bodyBytes == 10)
            #expect(reset.endedWithError)
            let length = reset.headLines?.first { $0.lowercased().hasPrefix("content-length:") }
            #expect(Int(length?.split(separator: " ").last ?? "") ?? 0 > 10)

            let cut = try await LoopbackHTTPClient.raw("GET", server.baseURL + "/v2/users/me", headers: bearer)
            #expect(cut.bodyBytes == 10)
            #expect(!cut.endedWithError)
        }
    }
}

/// Inflates gzip through the system's `gzip -dc`, counting the output instead of holding it: the bomb's size is
/// the point.
enum Gunzip {
    static func summary(
        of compressed: [UInt8], keeping edge: Int
    ) throws -> (count: Int, head: [UInt8], tail: [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(Data(compressed))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        var count = 0
        var head: [UInt8] = []
        var tail: [UInt8] = []
        while let chunk = try output.fileHandleForReading.read(upToCount: 1 << 20), !chunk.isEmpty {
            count += chunk.count
            if head.count < edge { head += chunk.prefix(edge - head.count) }
            tail = Array((tail + chunk.suffix(edge)).suffix(edge))
        }
        process.waitUntilExit()
        return (count, head, tail)
    }
}
