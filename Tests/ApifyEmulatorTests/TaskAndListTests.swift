import ApifyEmulator
import Foundation
import Testing

/// Tasks, run lists and `runs/last`.
@Suite("Tasks, run lists, runs/last")
struct TaskAndListTests {
    private func runTask(_ server: EmulatorServer, _ task: String, body: String?) async throws -> [String: Any] {
        var headers = bearer
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let response = try await LoopbackHTTPClient.request(
            "POST", server.baseURL + "/v2/actor-tasks/\(task)/runs?waitForFinish=10", headers: headers,
            body: Array((body ?? "").utf8))
        try #require(response.status == 201, "\(response.text)")
        #expect(response.header("Location")?.contains("/v2/actor-tasks/emulatorHelloTask/runs/") == true)
        return try #require(response.data)
    }

    @Test("the built-in task runs hello-world with its input, and the body overrides it field by field")
    func builtInTask() async throws {
        try await withEmulator { server in
            let plain = try await runTask(server, "emulator~hello-task", body: nil)
            #expect(plain["actorTaskId"] as? String == "emulatorHelloTask")
            #expect(plain["actId"] as? String == "apifyHelloWorld01")
            let plainID = try #require(plain["id"] as? String)
            let output = try await get(server, "/v2/actor-runs/\(plainID)/key-value-store/records/OUTPUT")
            #expect(output.text == "{\"greeting\": \"Hello, task!\"}\n")

            let merged = try await runTask(server, "emulatorHelloTask", body: #"{"extra": 1, "message": "Ada"}"#)
            let mergedID = try #require(merged["id"] as? String)
            let input = try await get(server, "/v2/actor-runs/\(mergedID)/key-value-store/records/INPUT")
            #expect(input.text == #"{"message":"Ada","extra":1}"#)

            let task = try await get(server, "/v2/actor-tasks/emulator~hello-task", headers: bearer)
            #expect(task.data?["actId"] as? String == "apifyHelloWorld01")
            #expect((task.data?["stats"] as? [String: Any])?["totalRuns"] as? Int == 2)

            let last = try await get(server, "/v2/actor-tasks/emulator~hello-task/runs/last", headers: bearer)
            #expect(last.data?["id"] as? String == mergedID)
            let notObject = try await LoopbackHTTPClient.request(
                "POST", server.baseURL + "/v2/actor-tasks/emulator~hello-task/runs",
                headers: bearer + [("Content-Type", "application/json")], body: Array("[1]".utf8))
            #expect(notObject.status == 400)
            #expect(notObject.error?["type"] == "input-json-not-object")
        }
    }

    @Test("tasks from the actors file run their actor with their input and options")
    func fileTask() async throws {
        let json = #"""
            {"actors": [], "tasks": [{"id": "MyTaskId000000001", "username": "me", "name": "greet",
             "actor": "apify/hello-world", "input": {"message": "file"}, "options": {"memoryMbytes": 256}}]}
            """#
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tasks-\(UUID()).json")
        try json.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let catalog = try ActorCatalog.load(contentsOf: path.path)
        var configuration = EmulatorConfiguration(token: testToken)
        configuration.extraTasks = catalog.tasks
        try await withEmulator(configuration) { server in
            let run = try await LoopbackHTTPClient.request(
                "POST", server.baseURL + "/v2/actor-tasks/me~greet/runs?waitForFinish=10", headers: bearer)
            let data = try #require(run.data)
            #expect((data["options"] as? [String: Any])?["memoryMbytes"] as? Int == 256)
            let runID = try #require(data["id"] as? String)
            let output = try await get(server, "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
            #expect(output.text == "{\"greeting\": \"Hello, file!\"}\n")
        }
    }

    @Test("run lists page with offset, limit and desc, filter by status, and runs/last takes status")
    func listsAndLast() async throws {
        try await withEmulator { server in
            let first = try #require(try await runToEnd(server, "emulator~fail")["id"] as? String)
            let second = try #require(try await runToEnd(server, "emulator~no-output")["id"] as? String)
            let third = try #require(try await runToEnd(server, "emulator~no-output")["id"] as? String)

            let all = try #require(try await get(server, "/v2/actor-runs", headers: bearer).data)
            #expect(all["total"] as? Int == 3)
            #expect((all["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [first, second, third])

            let page = try #require(
                try await get(server, "/v2/actor-runs?offset=1&limit=1&desc=1", headers: bearer).data)
            #expect(page["count"] as? Int == 1 && page["offset"] as? Int == 1 && page["desc"] as? Bool == true)
            #expect((page["items"] as? [[String: Any]])?.first?["id"] as? String == second)

            let ofActor = try #require(
                try await get(server, "/v2/acts/emulator~no-output/runs?status=SUCCEEDED,FAILED", headers: bearer).data)
            #expect(ofActor["total"] as? Int == 2)
            let failed = try #require(try await get(server, "/v2/actor-runs?status=FAILED", headers: bearer).data)
            #expect((failed["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [first])
            let short = try #require((failed["items"] as? [[String: Any]])?.first)
            #expect(short["usageTotalUsd"] is Double || short["usageTotalUsd"] is Int)
            #expect(short["stats"] == nil)

            let last = try await get(
                server, "/v2/actors/emulator~no-output/runs/last?status=SUCCEEDED", headers: bearer)
            #expect(last.data?["id"] as? String == third)
            let none = try await get(server, "/v2/actors/emulator~no-output/runs/last?status=FAILED", headers: bearer)
            #expect(none.status == 404)
            let lastOutput = try await get(
                server, "/v2/actors/emulator~fail/runs/last/log?status=FAILED", headers: bearer)
            #expect(lastOutput.text.contains("Something went wrong"))
            let lastItems = try await get(server, "/v2/actors/emulator~fail/runs/last/dataset/items", headers: bearer)
            #expect(lastItems.text == "[]")
        }
    }
}
