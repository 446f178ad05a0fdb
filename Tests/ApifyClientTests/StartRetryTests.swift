import CurlHTTP
import Testing

@testable import ApifyClient

/// One invocation starts at most one run: the start is repeated only when the server surely did not act on it.
@Suite struct StartRetryTests {
    private let actor = try! ActorReference(parsing: "apify/hello-world")

    @Test func serverErrorOnStartIsNotRepeated() async throws {
        let clock = ManualClock()
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .response(status: 503, body: errorJSON("server-error", "Service unavailable"))
            ])
        await #expect(throws: ApifyError.self) {
            _ = try await makeAPI(transport).startRun(actor: actor, options: RunOptions(), input: nil)
        }
        #expect(transport.requests.count == 1)
    }

    @Test func brokenConnectionAfterSendingIsNotRepeated() async throws {
        let clock = ManualClock()
        let lost = HTTPError(
            kind: .connectionLost, message: "Recv failure: Connection reset by peer",
            requestMayHaveReachedServer: true)
        let transport = RecordingTransport(clock: clock, script: [.failure(lost)])
        do {
            _ = try await makeAPI(transport).startRun(actor: actor, options: RunOptions(), input: nil)
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .unavailable)
            #expect(error.message == "cannot start actor apify~hello-world: Recv failure: Connection reset by peer")
        }
        #expect(transport.requests.count == 1)
    }

    @Test func refusedConnectionAndRateLimitAreRepeated() async throws {
        let clock = ManualClock()
        let refused = HTTPError(
            kind: .couldNotConnect, message: "Couldn't connect to server",
            requestMayHaveReachedServer: false)
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .failure(refused),
                .response(
                    status: 429, body: errorJSON("rate-limit-exceeded", "Too many"),
                    headers: [HTTPHeader("Retry-After", "3")]),
                .response(status: 201, body: runJSON("READY")),
            ])
        let run = try await makeAPI(transport).startRun(actor: actor, options: RunOptions(), input: nil)
        #expect(run.id == "RUN1")
        #expect(transport.requests.count == 3)
        #expect(clock.sleeps.count == 2)
        #expect(clock.sleeps[0] >= .milliseconds(500) && clock.sleeps[0] <= .seconds(1))
        #expect(clock.sleeps[1] == .seconds(3))
    }

    @Test func apiErrorsKeepTypeAndMessage() async throws {
        let cases: [(Int, String, ApifyError.Kind)] = [
            (401, "user-or-token-not-found", .unauthorized),
            (403, "unknown-build-tag", .notFound),
            (403, "insufficient-permissions", .unauthorized),
            (404, "record-not-found", .notFound),
            (402, "actor-memory-limit-exceeded", .refusedForNow),
            (413, "request-too-large", .rejected),
        ]
        for (status, type, kind) in cases {
            let transport = RecordingTransport(
                clock: ManualClock(),
                script: [
                    .response(status: status, body: errorJSON(type, "Message \(status)"))
                ])
            do {
                _ = try await makeAPI(transport).startRun(actor: actor, options: RunOptions(), input: nil)
                Issue.record("expected \(status) to fail")
            } catch {
                #expect(error.kind == kind, "HTTP \(status) \(type)")
                #expect(error.type == type)
                #expect(
                    error.message == "cannot start actor apify~hello-world: Message \(status) (HTTP \(status), \(type))"
                )
            }
        }
    }

    @Test func unreadableAnswerIsReportedAsSuch() async throws {
        let transport = RecordingTransport(
            clock: ManualClock(),
            script: [
                .response(status: 201, body: "<html>proxy login</html>")
            ])
        do {
            _ = try await makeAPI(transport).startRun(actor: actor, options: RunOptions(), input: nil)
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .unexpectedResponse)
        }
    }

    @Test func noTokenMeansNoAuthorizationHeader() async throws {
        let transport = RecordingTransport(
            clock: ManualClock(), script: [.response(status: 201, body: runJSON("READY"))])
        _ = try await makeAPI(transport, token: nil).startRun(actor: actor, options: RunOptions(), input: nil)
        #expect(!transport.requests[0].headers.contains { $0.name == "Authorization" })
    }

    @Test func lostStartAnswerAdoptsTheRunThisInvocationStarted() async throws {
        let clock = ManualClock()
        let lost = HTTPError(
            kind: .connectionLost, message: "Empty reply from server", requestMayHaveReachedServer: true)
        let list = """
            {"data":{"total":2,"offset":0,"limit":20,"count":2,"desc":true,"items":[\
            {"id":"OTHER","status":"RUNNING","meta":{"userAgent":"actor-run/other"}},\
            {"id":"RUN1","status":"RUNNING","meta":{"userAgent":"actor-run/test"}}]}}
            """
        // The run comes from the list itself: a GET by its ID could still answer 404 (replica lag).
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .failure(lost),
                .response(status: 200, body: list),
                .response(status: 200, body: runJSON("SUCCEEDED", exitCode: 0)),
                .response(status: 200, body: "done"),
            ])
        let events = StatusLog()
        let outcome = try await ActorCall(api: makeAPI(transport), clock: clock)
            .perform(CallPlan(actor: actor), destination: { MemoryDestination() }, events: { events.append($0) })
        guard case .succeeded(let run, _) = outcome else {
            Issue.record("expected the adopted run to succeed, got \(outcome)")
            return
        }
        #expect(run.id == "RUN1")
        #expect(events.names == ["looking", "started RUNNING", "SUCCEEDED"])
        #expect(transport.requests.filter { $0.method == "POST" }.count == 1)
        #expect(transport.requests[1].url == "http://api.test/v2/actors/apify~hello-world/runs?desc=1&limit=100")
    }

    @Test func lostStartWithNoRunFoundIsReportedNotRepeated() async throws {
        let clock = ManualClock()
        let lost = HTTPError(kind: .timedOut, message: "Operation timed out", requestMayHaveReachedServer: true)
        let empty = ScriptedAnswer.response(
            status: 200, body: #"{"data":{"total":0,"offset":0,"limit":20,"count":0,"desc":true,"items":[]}}"#)
        let transport = RecordingTransport(clock: clock, script: [.failure(lost), empty, empty, empty, empty])
        do {
            _ = try await ActorCall(api: makeAPI(transport), clock: clock)
                .perform(CallPlan(actor: actor), destination: { MemoryDestination() }, events: { _ in })
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .unavailable)
            #expect(error.message.hasSuffix("; no run started by this invocation was found among the newest runs"))
        }
        #expect(transport.requests.filter { $0.method == "POST" }.count == 1)
        #expect(clock.sleeps == [.zero, .seconds(1), .seconds(2), .seconds(4)])
    }

    @Test func serverErrorOnStartLooksForTheRunBeforeGivingUp() async throws {
        let clock = ManualClock()
        let list = """
            {"data":{"total":1,"offset":0,"limit":20,"count":1,"desc":true,"items":[\
            {"id":"RUN1","status":"RUNNING","meta":{"userAgent":"actor-run/test"}}]}}
            """
        let transport = RecordingTransport(
            clock: clock,
            script: [
                .response(status: 502, body: "<html>Bad gateway</html>"),
                .response(status: 200, body: list),
                .response(status: 200, body: runJSON("SUCCEEDED", exitCode: 0)),
                .response(status: 200, body: "ok"),
            ])
        let outcome = try await ActorCall(api: makeAPI(transport), clock: clock)
            .perform(CallPlan(actor: actor), destination: { MemoryDestination() }, events: { _ in })
        guard case .succeeded(let run, _) = outcome else {
            Issue.record("expected the run the 502 hid to be adopted, got \(outcome)")
            return
        }
        #expect(run.id == "RUN1")
        #expect(transport.requests.filter { $0.method == "POST" }.count == 1)
    }
}
