import ApifyEmulator
import Foundation
import Testing

/// Ctrl-C and SIGTERM: before a run exists nothing is left behind; after, the run is aborted (gracefully, then
/// forcefully on a second signal) unless the user asked to leave it going.
@Suite struct InterruptTests {
    private let started = Interruption(afterStderrContains: "actor-run: started run ", signals: [SIGINT])

    @Test func interruptAbortsTheRunItStarted() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#], emulator: server,
                timeout: .seconds(30), interrupt: started)
            #expect(result.status == 3, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            #expect(
                result.stderrLines.dropFirst().first
                    == "actor-run: interrupted: aborting run \(runID) gracefully (interrupt again to force, twice to exit)"
            )
            #expect(result.stderrLines.last?.hasPrefix("actor-run: run \(runID) ABORTED") == true)
            let aborts = await server.recordedRequests().filter { $0.path == "/v2/actor-runs/\(runID)/abort" }
            #expect(aborts.map(\.query) == ["gracefully=true"])
        }
    }

    @Test func sigtermTwiceForcesTheAbort() async throws {
        try await Harness.withEmulator { server in
            let twice = Interruption(afterStderrContains: "actor-run: started run ", signals: [SIGTERM, SIGTERM])
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#], emulator: server,
                timeout: .seconds(30), interrupt: twice)
            #expect(result.status == 3, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            let aborts = await server.recordedRequests().filter { $0.path == "/v2/actor-runs/\(runID)/abort" }
            // The second signal forces the abort, and says so. The two go out on two connections, so a loaded
            // server may log them in either order.
            #expect(aborts.map(\.query).sorted { ($0 ?? "") > ($1 ?? "") } == ["gracefully=true", "gracefully=false"])
            #expect(
                result.stderrLines.contains(
                    "actor-run: aborting run \(runID) forcefully (interrupt again to exit at once)"))
        }
    }

    @Test func noAbortOnInterruptLeavesTheRunGoing() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#, "--no-abort-on-interrupt"], emulator: server,
                timeout: .seconds(30), interrupt: started)
            #expect(result.status == 130, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            #expect(
                result.stderrLines.last
                    == "actor-run: interrupted; run \(runID) goes on: follow it with `actor-run wait \(runID)`")
            #expect(await server.recordedRequests().allSatisfy { !$0.path.hasSuffix("/abort") })
        }
    }

    /// `nohup` starts a command with SIGHUP ignored, and a non-interactive shell starts `command &` with SIGINT
    /// ignored: such a signal is not meant for it, and must not abort its run. Not ignored, the same SIGHUP does.
    @Test(arguments: [true, false])
    func aSignalTheParentIgnoredStaysIgnored(ignored: Bool) async throws {
        try await Harness.withEmulator { server in
            let signals = Interruption(afterStderrContains: "actor-run: started run ", signals: [SIGHUP, SIGINT])
            // The start line comes when the start's 2 s hold ends: the run still has 4 s to go when they land.
            let seconds = ignored ? 6 : 30
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": \#(seconds)}"#], emulator: server, timeout: .seconds(60),
                interrupt: signals, shell: ignored ? #"trap "" HUP INT; exec "$0" "$@""# : #"exec "$0" "$@""#)
            let runID = try Harness.runID(in: result)
            let aborts = await server.recordedRequests().filter { $0.path == "/v2/actor-runs/\(runID)/abort" }
            if ignored {
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdoutText == "{\"slept\": 6}\n")
                #expect(aborts.isEmpty)
            } else {
                #expect(result.status == 3, "\(result.stderr)")
                // On two connections: a loaded server may log them in either order.
                let queries = aborts.map(\.query).sorted { ($0 ?? "") > ($1 ?? "") }
                #expect(queries == ["gracefully=true", "gracefully=false"])
            }
        }
    }

    @Test func interruptWhileWaitingForStdinStartsNothing() async throws {
        try await Harness.withEmulator { server in
            let waiting = Interruption(afterStderrContains: "waiting for input on stdin", signals: [SIGINT])
            let result = try await Harness.run(
                ["apify/hello-world"], emulator: server, stdin: .silentPipe,
                timeout: .seconds(30), interrupt: waiting)
            #expect(result.status == 130, "\(result.stderr)")
            #expect(await server.recordedRequests().isEmpty)
        }
    }
}
