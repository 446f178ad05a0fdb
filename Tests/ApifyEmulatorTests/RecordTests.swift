import ApifyEmulator
import Foundation
import Testing

@Suite("Key-value records and datasets")
struct RecordTests {
    @Test("emulator/echo returns the input's exact bytes and content type")
    func echo() async throws {
        try await withEmulator { server in
            let input = "plain text, not JSON\n\u{00e9}"
            let run = try await runToEnd(server, "emulator~echo", input: input, contentType: "text/plain")
            #expect(run["status"] as? String == "SUCCEEDED")
            let runID = try #require(run["id"] as? String)
            let output = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
            #expect(output.status == 200)
            #expect(output.header("Content-Type") == "text/plain")
            #expect(output.body == Array(input.utf8))

            let noInput = try await runToEnd(server, "emulator~echo")
            let noInputID = try #require(noInput["id"] as? String)
            let missing = try await get(server, "/v2/actor-runs/\(noInputID)/key-value-store/records/OUTPUT")
            #expect(missing.status == 404)
        }
    }

    @Test("emulator/binary streams 65536 bytes where byte i is i % 256")
    func binary() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~binary")
            let storeID = try #require(run["defaultKeyValueStoreId"] as? String)
            let output = try await get(server, "/v2/key-value-stores/\(storeID)/records/OUTPUT")
            #expect(output.status == 200)
            #expect(output.header("Content-Type") == "application/octet-stream")
            #expect(output.header("Content-Length") == "65536")
            #expect(output.body == (0..<65536).map { UInt8($0 % 256) })

            let head = try await LoopbackHTTPClient.request(
                "HEAD", "\(server.baseURL)/v2/key-value-stores/\(storeID)/records/OUTPUT")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "65536")
        }
    }

    @Test("emulator/no-output succeeds without OUTPUT")
    func noOutput() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~no-output")
            #expect(run["status"] as? String == "SUCCEEDED")
            let runID = try #require(run["id"] as? String)
            let output = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
            #expect(output.status == 404)
            #expect(output.error?["message"] == "Record was not found")
        }
    }

    @Test("a redirected record answers 302 to a signed URL on localhost, which serves the bytes")
    func redirect() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~redirect")
            let runID = try #require(run["id"] as? String)
            let storeID = try #require(run["defaultKeyValueStoreId"] as? String)
            let first = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT", headers: bearer)
            #expect(first.status == 302)
            let location = try #require(first.header("Location"))
            #expect(
                location
                    == "http://localhost:\(server.port)/v2/key-value-stores/\(storeID)/records/OUTPUT?signature=emulator"
            )
            let second = try await LoopbackHTTPClient.request("GET", location)
            #expect(second.status == 200)
            #expect(second.header("Content-Type") == "application/json")
            #expect(second.text == "{\"redirected\": true}\n")
        }
    }

    @Test("scripted actors: templates, status messages, records of each source, dataset items")
    func scriptedActor() async throws {
        let definition = ActorDefinition(
            id: "scriptedActor0001",
            username: "me",
            name: "scripted",
            builds: ["latest": "0.0.3", "beta": "0.1.1"],
            defaultMemoryMbytes: 256,
            steps: [
                .log("Hello {{input.name|nobody}}"),
                .statusMessage("Working on {{input.name}}"),
                .pushItems([.object([.init("a", 1)]), .object([.init("a", 2)])]),
                .record(RecordStep(key: "JSON", source: .json(.object([.init("b", 2), .init("a", [1, true])])))),
                .record(RecordStep(key: "BYTES", source: .bytes([0, 255]))),
                .record(RecordStep(key: "OUTPUT", source: .template("name={{input.name}} n={{input.n|0}}"))),
                .finish(FinishStep(status: .failed, exitCode: 3)),
            ]
        )
        let configuration = EmulatorConfiguration(token: testToken, extraActors: [definition])
        try await withEmulator(configuration) { server in
            let run = try await runToEnd(server, "me~scripted", query: "build=beta", input: #"{"name": "Bo"}"#)
            #expect(run["status"] as? String == "FAILED")
            #expect(run["exitCode"] as? Int == 3)
            #expect(run["statusMessage"] as? String == "Working on Bo")
            #expect(run["buildNumber"] as? String == "0.1.1")
            #expect((run["options"] as? [String: Any])?["memoryMbytes"] as? Int == 256)
            let storeID = try #require(run["defaultKeyValueStoreId"] as? String)
            let json = try await get(server, "/v2/key-value-stores/\(storeID)/records/JSON")
            #expect(json.text == #"{"a":[1,true],"b":2}"#)
            #expect(json.header("Content-Type") == "application/json; charset=utf-8")
            let bytes = try await get(server, "/v2/key-value-stores/\(storeID)/records/BYTES")
            #expect(bytes.body == [0, 255])
            #expect(bytes.header("Content-Type") == "application/octet-stream")
            let output = try await get(server, "/v2/key-value-stores/\(storeID)/records/OUTPUT")
            #expect(output.text == "name=Bo n=0")
            #expect(output.header("Content-Type") == "text/plain; charset=utf-8")

            let runID = try #require(run["id"] as? String)
            let items = try await get(server, "/v2/actor-runs/\(runID)/dataset/items")
            #expect(items.status == 200)
            #expect(items.text == #"[{"a":1},{"a":2}]"#)
            #expect(items.header("X-Apify-Pagination-Total") == "2")
            let log = try await get(server, "/v2/logs/\(runID)")
            #expect(log.text.contains(" Hello Bo\n"))
        }
    }
}
