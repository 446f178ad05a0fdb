import ApifyEmulator
import Foundation
import Testing

@Suite("Actor definition format")
struct ActorDefinitionTests {
    @Test("a catalog file decodes every step kind")
    func decodesCatalog() throws {
        let json = """
            {"actors": [{"id": "AbCdEfGhIjKlMnOpQ", "username": "me", "name": "demo",
              "builds": {"latest": "0.0.2"}, "defaultTimeoutSecs": 60, "readySecs": 0,
              "steps": [
                {"log": "start"}, {"sleep": 0.25}, {"sleep": "{{input.s|1}}"}, {"statusMessage": "half way"},
                {"record": {"key": "A", "json": {"z": 1, "a": null}}},
                {"record": {"key": "B", "text": "t", "contentType": "text/csv"}},
                {"record": {"key": "C", "base64": "AAE=", "redirect": true}},
                {"record": {"key": "D", "generatedBytes": 10}},
                {"record": {"key": "E", "fromInput": true}},
                {"record": {"key": "F", "template": "{{input.x}}"}},
                {"pushItems": [{"n": 1}]},
                {"finish": {"status": "FAILED", "exitCode": 2, "statusMessage": "bad"}}
              ]}]}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("actors-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let catalog = try ActorCatalog.load(contentsOf: path.path)
        let actor = try #require(catalog.actors.first)
        #expect(actor.builds == ["latest": "0.0.2"])
        #expect(actor.defaultTimeoutSecs == 60)
        #expect(actor.readySecs == 0)
        #expect(
            actor.steps == [
                .log("start"), .sleep(.seconds(0.25)), .sleep(.template("{{input.s|1}}")), .statusMessage("half way"),
                // The file's member order is kept (records sort their keys only when they are written).
                .record(RecordStep(key: "A", source: .json(.object([.init("z", 1), .init("a", .null)])))),
                .record(RecordStep(key: "B", contentType: "text/csv", source: .text("t"))),
                .record(RecordStep(key: "C", source: .bytes([0, 1]), redirect: true)),
                .record(RecordStep(key: "D", source: .generatedBytes(10))),
                .record(RecordStep(key: "E", source: .fromInput)),
                .record(RecordStep(key: "F", source: .template("{{input.x}}"))),
                .pushItems([.object([.init("n", 1)])]),
                .finish(FinishStep(status: .failed, exitCode: 2, statusMessage: "bad")),
            ])
        // `JSONEncoder` does not keep member order either, so the round trip is compared with keys sorted.
        let sorted = JSONEncoder()
        sorted.outputFormatting = .sortedKeys
        let reencoded = try JSONDecoder().decode(ActorCatalog.self, from: JSONEncoder().encode(catalog))
        #expect(try sorted.encode(reencoded) == sorted.encode(catalog))
    }

    @Test(
        "bad definitions fail with a message that says what to fix",
        arguments: [
            (#""id": "short", "steps": []"#, "17 letters or digits"),
            (#""id": "AbCdEfGhIjKlMnOpQ", "steps": [{"log": "a", "sleep": 1}]"#, "exactly one of"),
            (#""id": "AbCdEfGhIjKlMnOpQ", "steps": [{"finish": {"status": "RUNNING"}}]"#, "finish status"),
            (#""id": "AbCdEfGhIjKlMnOpQ", "defaultMemoryMbytes": 100, "steps": []"#, "power of 2"),
            (#""id": "AbCdEfGhIjKlMnOpQ", "steps": [{"record": {"key": "K"}}]"#, "exactly one of"),
            (#""id": "AbCdEfGhIjKlMnOpQ", "readySecs": -1, "steps": []"#, "readySecs must be from 0 to 3600"),
        ])
    func rejectsBadDefinitions(fields: String, expectedMessage: String) throws {
        let json = #"{"actors": [{"username": "u", "name": "n", "# + fields + "}]}"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("actors-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let error = #expect(throws: EmulatorError.self) { try ActorCatalog.load(contentsOf: path.path) }
        #expect(error?.description.contains(expectedMessage) == true, "\(String(describing: error))")
    }

    @Test("starting a server with an invalid extra actor throws")
    func invalidExtraActor() async throws {
        let actor = ActorDefinition(id: "bad", username: "u", name: "n", steps: [])
        await #expect(throws: EmulatorError.self) {
            _ = try await EmulatorServer.start(EmulatorConfiguration(extraActors: [actor]))
        }
    }
}
