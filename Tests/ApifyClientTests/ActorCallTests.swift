import CurlHTTP
import Foundation
import Testing

@testable import ApifyClient

@Suite struct ActorCallTests {
    @Test func readyRunningSucceededOverSeveralLongPolls() async throws {
        let clock = ManualClock()
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .response(status: 201, body: runJSON("READY")),
                .response(status: 200, body: runJSON("RUNNING"), holdsFor: .seconds(60)),
                .response(status: 200, body: runJSON("RUNNING"), holdsFor: .seconds(60)),
                .response(status: 200, body: runJSON("SUCCEEDED", exitCode: 0), holdsFor: .seconds(12)),
                .response(
                    status: 200, body: "{\"greeting\": \"Hello\"}\n",
                    headers: [HTTPHeader("Content-Type", "application/json")]),
            ])
        let destination = MemoryDestination()
        let statuses = StatusLog()
        let plan = CallPlan(
            actor: try ActorReference(parsing: "apify/hello-world"),
            options: RunOptions(build: "latest", timeoutSeconds: 0, memoryMegabytes: 1024),
            input: RunInput(bytes: Array(#"{"message":"Ada"}"#.utf8))
        )
        let outcome = try await ActorCall(api: makeAPI(transport), clock: clock)
            .perform(plan, destination: { destination }, events: { statuses.append($0) })

        guard case .succeeded(let run, let info) = outcome else {
            Issue.record("expected success, got \(outcome)")
            return
        }
        #expect(run.status == .succeeded)
        #expect(info.byteCount == 22)
        #expect(String(decoding: destination.bytes, as: UTF8.self) == "{\"greeting\": \"Hello\"}\n")
        #expect(destination.isCommitted && !destination.isDiscarded)
        #expect(statuses.names == ["started READY", "RUNNING", "SUCCEEDED"])
        let lines = transport.requests.map { "\($0.method) \($0.url)" }
        #expect(
            lines == [
                "POST http://api.test/v2/actors/apify~hello-world/runs?build=latest&timeout=0&memory=1024",
                "GET http://api.test/v2/actor-runs/RUN1?waitForFinish=60",
                "GET http://api.test/v2/actor-runs/RUN1?waitForFinish=60",
                "GET http://api.test/v2/actor-runs/RUN1?waitForFinish=60",
                "GET http://api.test/v2/key-value-stores/STORE1/records/OUTPUT",
            ])
        let post = transport.requests[0]
        #expect(post.headers.contains(HTTPHeader("Authorization", "Bearer secret-token")))
        #expect(post.headers.contains(HTTPHeader("Content-Type", "application/json")))
        guard case .bytes(let body) = post.body else {
            Issue.record("the input was not sent as bytes")
            return
        }
        #expect(body == Array(#"{"message":"Ada"}"#.utf8))
        // Long-polls get a request timeout above the server's 60 s hold.
        #expect(transport.requests[1].timeouts.total == .seconds(75))
        #expect(transport.requests[4].followsRedirects)
        // The server's hold did the waiting: the client never slept.
        #expect(clock.sleeps.isEmpty)
        #expect(clock.now() == .seconds(132))
    }

    /// `startHold`: the server may hold the start until the run ends. A start answered with a finished run is
    /// followed by the record alone; one answered with the run still going, by long polls as usual. (End-to-end,
    /// which of the two happens depends on how busy the machine is; here the server's answers are scripted.)
    @Test(arguments: [("SUCCEEDED", 0), ("RUNNING", 1)])
    func aHeldStartThatEndedTheRunNeedsNoPoll(startStatus: String, polls: Int) async throws {
        let clock = ManualClock()
        let finished = ScriptedAnswer.response(status: 200, body: runJSON("SUCCEEDED", exitCode: 0))
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .response(
                    status: 201, body: runJSON(startStatus, exitCode: polls == 0 ? 0 : nil), holdsFor: .seconds(1))
            ] + Array(repeating: finished, count: polls) + [
                .response(
                    status: 200, body: "{}\n", headers: [HTTPHeader("Content-Type", "application/json")])
            ])
        var plan = CallPlan(actor: try ActorReference(parsing: "a~b"))
        plan.startHold = 2
        let outcome = try await ActorCall(api: makeAPI(transport), clock: clock)
            .perform(plan, destination: { MemoryDestination() }, events: { _ in })
        guard case .succeeded(let run, _) = outcome else {
            Issue.record("expected success, got \(outcome)")
            return
        }
        #expect(run.status == .succeeded)
        let lines = transport.requests.map { "\($0.method) \($0.url)" }
        #expect(
            lines
                == ["POST http://api.test/v2/actors/a~b/runs?waitForFinish=2"]
                + Array(repeating: "GET http://api.test/v2/actor-runs/RUN1?waitForFinish=60", count: polls)
                + ["GET http://api.test/v2/key-value-stores/STORE1/records/OUTPUT"])
        #expect(transport.remainingAnswers == 0)
    }

    @Test func notFoundRightAfterStartIsReplicaLag() async throws {
        let clock = ManualClock()
        let lag = ScriptedAnswer.response(status: 404, body: errorJSON("record-not-found", "Actor run was not found"))
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .response(status: 201, body: runJSON("READY")),
                lag, lag, lag,
                .response(status: 200, body: runJSON("FAILED", exitCode: 1), holdsFor: .seconds(3)),
            ])
        let plan = CallPlan(actor: try ActorReference(parsing: "a~b"))
        let outcome = try await ActorCall(api: makeAPI(transport), clock: clock)
            .perform(plan, destination: { MemoryDestination() }, events: { _ in })
        guard case .ended(let run) = outcome else {
            Issue.record("expected the run to have ended, got \(outcome)")
            return
        }
        #expect(run.id == "RUN1" && run.status == .failed && run.exitCode == 1)
        #expect(clock.sleeps == [.milliseconds(250), .milliseconds(250), .milliseconds(250)])
        #expect(transport.remainingAnswers == 0)
    }

    @Test func notFoundThatOutlastsTheGraceFails() async throws {
        let clock = ManualClock()
        let lag = ScriptedAnswer.response(status: 404, body: errorJSON("record-not-found", "Actor run was not found"))
        let transport = RecordingTransport(clock: clock, script: [lag] + Array(repeating: lag, count: 41))
        let waiter = RunWaiter(api: makeAPI(transport), clock: clock)
        do {
            _ = try await waiter.wait(for: "GONE")
            Issue.record("a run that stays 404 must not be waited for forever")
        } catch {
            #expect(error.kind == .notFound)
            #expect(error.message.contains("Actor run was not found"))
        }
        #expect(clock.now() == .seconds(10))
        #expect(transport.requests.count == 41)
    }

    @Test func runThatNeverEndsStopsAtTheClientLimit() async throws {
        let clock = ManualClock()
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .response(status: 200, body: runJSON("RUNNING"), holdsFor: .seconds(60)),
                .response(status: 200, body: runJSON("RUNNING"), holdsFor: .seconds(60)),
                .response(status: 200, body: runJSON("RUNNING"), holdsFor: .seconds(30)),
            ])
        let waiter = RunWaiter(api: makeAPI(transport), clock: clock)
        let outcome = try await waiter.wait(for: "RUN1", limit: .seconds(150))
        guard case .limitReached(let last) = outcome else {
            Issue.record("expected the limit to be reached, got \(outcome)")
            return
        }
        #expect(last?.status == .running)
        #expect(
            transport.requests.map(\.url).map { $0.split(separator: "?").last! } == [
                "waitForFinish=60", "waitForFinish=60", "waitForFinish=30",
            ])
        #expect(clock.now() == .seconds(150))
    }

    @Test func missingRecordIsRetriedThenReported() async throws {
        let clock = ManualClock()
        let missing = ScriptedAnswer.response(status: 404, body: errorJSON("record-not-found", "Record was not found"))
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .response(status: 201, body: runJSON("SUCCEEDED", exitCode: 0)),
                missing, missing, missing,
            ])
        let destination = MemoryDestination()
        let plan = CallPlan(actor: try ActorReference(parsing: "a/b"))
        let outcome = try await ActorCall(api: makeAPI(transport), clock: clock)
            .perform(plan, destination: { destination }, events: { _ in })
        guard case .recordMissing = outcome else {
            Issue.record("expected a missing record, got \(outcome)")
            return
        }
        #expect(destination.isDiscarded && !destination.isCommitted && destination.bytes.isEmpty)
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
    }

    @Test func waitLimitReturnsTheRunStillGoing() async throws {
        let clock = ManualClock()
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .response(status: 201, body: runJSON("RUNNING")),
                .response(status: 200, body: runJSON("RUNNING"), holdsFor: .seconds(5)),
            ])
        let plan = CallPlan(actor: try ActorReference(parsing: "a/b"), waitLimit: .seconds(5))
        let outcome = try await ActorCall(api: makeAPI(transport), clock: clock)
            .perform(plan, destination: { MemoryDestination() }, events: { _ in })
        guard case .stillRunning(let run) = outcome else {
            Issue.record("expected the run still going, got \(outcome)")
            return
        }
        #expect(run.id == "RUN1")
        #expect(transport.requests[1].url.hasSuffix("waitForFinish=5"))
    }
}

/// Collects events as short strings, from any thread.
final class StatusLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []

    func append(_ event: CallEvent) {
        lock.withLock {
            switch event {
            case .started(let run): entries.append("started \(run.status)")
            case .attached(let run): entries.append("attached \(run.status)")
            case .lookingForLostStart: entries.append("looking")
            case .statusChanged(let run): entries.append(run.status.rawValue)
            case .waitingForResources: entries.append("waiting for resources")
            case .interruptedWhileStarting: entries.append("interrupted while starting")
            case .aborting(_, let forced): entries.append(forced ? "aborting forcefully" : "aborting")
            }
        }
    }

    var names: [String] { lock.withLock { entries } }
}
