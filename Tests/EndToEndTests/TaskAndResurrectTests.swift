import ApifyEmulator
import Foundation
import Testing

/// `actor-run task` and `actor-run resurrect` start runs through the same path as `actor-run <actor>`.
@Suite struct TaskAndResurrectTests {
    @Test func taskInputOverridesTheTasksFields() async throws {
        try await Harness.withEmulator { server in
            let plain = try await Harness.run(["task", "emulator/hello-task", "--no-input"], emulator: server)
            #expect(plain.status == 0, "\(plain.stderr)")
            #expect(plain.stdoutText == "{\"greeting\": \"Hello, task!\"}\n")
            #expect(plain.stderrLines.first?.hasPrefix("actor-run: started run ") == true)
            #expect(plain.stderrLines.first?.contains(" of task emulator~hello-task ") == true)

            let overridden = try await Harness.run(
                ["task", "emulator~hello-task", "-i", #"{"message": "override"}"#, "--memory", "512"],
                emulator: server)
            #expect(overridden.status == 0, "\(overridden.stderr)")
            #expect(overridden.stdoutText == "{\"greeting\": \"Hello, override!\"}\n")
            let posts = await server.recordedRequests().filter { $0.method == "POST" }
            #expect(posts.map(\.path) == Array(repeating: "/v2/actor-tasks/emulator~hello-task/runs", count: 2))
            #expect(posts.last?.query == "memory=512&waitForFinish=2")
        }
    }

    @Test func taskInputMustBeJSON() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["task", "emulator/hello-task", "--content-type", "text/plain", "-i", "x"], emulator: server)
            #expect(result.status == 64)
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func resurrectRunsAgainWithTheSameStorages() async throws {
        try await Harness.withEmulator { server in
            let first = try await Harness.run(["apify/hello-world", "-i", #"{"message": "again"}"#], emulator: server)
            #expect(first.status == 0, "\(first.stderr)")
            let runID = try Harness.runID(in: first)
            let again = try await Harness.run(["resurrect", runID, "--timeout", "60"], emulator: server)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdoutText == "{\"greeting\": \"Hello, again!\"}\n")
            #expect(again.stderrLines.first == "actor-run: resurrected run \(runID) (build 0.0.1, 1024 MB): RUNNING")
            let resurrect = try #require(await server.recordedRequests().first { $0.path.hasSuffix("/resurrect") })
            #expect(resurrect.path == "/v2/actor-runs/\(runID)/resurrect")
            #expect(resurrect.query == "timeout=60&waitForFinish=2")
        }
    }

    @Test func resurrectingAnUnknownRunIsExit67() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["resurrect", "NoSuchRun12345678"], emulator: server)
            #expect(result.status == 67, "\(result.stderr)")
            #expect(result.stderrLines.count == 1)
            #expect(result.stderrLines[0].hasPrefix("actor-run: cannot resurrect run NoSuchRun12345678: "))
        }
    }
}
