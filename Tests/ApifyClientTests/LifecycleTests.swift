import CurlHTTP
import Foundation
import Testing

@testable import ApifyClient

/// `CallControl`'s states against a scripted API: what each interrupt does in each phase.
@Suite struct LifecycleTests {
    private let actor = try! ActorReference(parsing: "apify/hello-world")

    @Test func interruptWhileStartingAbortsTheRunOnceTheAnswerNamesIt() async throws {
        let control = CallControl()
        let (outcome, transport, events) = try await call(
            control: control,
            script: [
                .response(status: 201, body: runJSON("RUNNING")),
                .response(status: 200, body: runJSON("ABORTING")),
                .response(status: 200, body: runJSON("ABORTED")),
            ]
        ) { request in
            if request.method == "POST" && request.url.hasSuffix("/runs") { control.interrupt() }
        }
        #expect(outcome == .abortedOnInterrupt(try decodedRun("ABORTED")))
        #expect(events.names == ["interrupted while starting", "started RUNNING", "aborting"])
        #expect(
            transport.requests.map(\.url).dropFirst() == [
                "http://api.test/v2/actor-runs/RUN1/abort?gracefully=true",
                "http://api.test/v2/actor-runs/RUN1?waitForFinish=60",
            ])
        // The start itself is never re-sent by libcurl.
        #expect(transport.requests[0].isResendable == false)
    }

    @Test func secondInterruptForcesTheAbortAndSaysSo() async throws {
        let control = CallControl()
        control.interrupt()
        let (outcome, transport, events) = try await call(
            control: control,
            script: [
                .response(status: 201, body: runJSON("RUNNING")),
                .response(status: 200, body: runJSON("ABORTING")),
                .response(status: 200, body: runJSON("ABORTING")),
                .response(status: 200, body: runJSON("ABORTED")),
            ]
        ) { request in
            if request.url.contains("gracefully=true") { control.interrupt() }
        }
        #expect(outcome == .abortedOnInterrupt(try decodedRun("ABORTED")))
        // Interrupted before the start: the first abort is graceful, the second forced.
        #expect(events.names.suffix(2) == ["aborting", "aborting forcefully"])
        #expect(
            transport.requests.filter { $0.url.contains("/abort") }.map(\.url).last?.hasSuffix("gracefully=false")
                == true)
    }

    @Test func thirdInterruptEndsTheCallAtOnceNamingTheRun() async throws {
        let control = CallControl()
        let (outcome, _, _) = try await call(
            control: control,
            script: [
                .response(status: 201, body: runJSON("RUNNING")),
                .response(status: 200, body: runJSON("RUNNING")),
                .response(status: 200, body: runJSON("ABORTING")),
                .response(status: 200, body: runJSON("ABORTING")),
                .response(status: 200, body: runJSON("ABORTED")),
                .response(status: 200, body: runJSON("ABORTED")),
            ]
        ) { request in
            if request.url.contains("waitForFinish") { (1...3).forEach { _ in control.interrupt() } }
        }
        #expect(outcome == .abandoned(runID: "RUN1", target: .actor(actor)))
    }

    @Test func interruptWithoutAbortingLeavesTheRunNamed() async throws {
        let control = CallControl(abortsOnInterrupt: false)
        let (outcome, transport, _) = try await call(
            control: control,
            script: [
                .response(status: 201, body: runJSON("RUNNING")),
                .response(status: 200, body: runJSON("RUNNING")),
            ]
        ) { request in
            if request.url.contains("waitForFinish") { control.interrupt() }
        }
        guard case .leftRunning(let run) = outcome else {
            Issue.record("expected the run left going, got \(outcome)")
            return
        }
        #expect(run.id == "RUN1")
        #expect(!transport.requests.contains { $0.url.contains("/abort") })
    }

    @Test func retryAfterTakesSecondsAndHTTPDates() throws {
        #expect(RetryAfter.delay(from: "3") == .seconds(3))
        #expect(RetryAfter.delay(from: " 1.5 ") == .milliseconds(1500))
        let now = try #require(ISO8601DateFormatter().date(from: "2026-11-30T07:28:00Z"))
        #expect(RetryAfter.delay(from: "Mon, 30 Nov 2026 07:28:07 GMT", now: now) == .seconds(7))
        #expect(RetryAfter.delay(from: "Mon, 30 Nov 2026 07:27:00 GMT", now: now) == .zero)
        #expect(RetryAfter.delay(from: "soon") == nil)
        #expect(RetryAfter.delay(from: "-1") == nil)
    }

    /// A dead server: each refusal is retried until the next pause would pass the budget, and the error says so.
    @Test func retriesStopAtTheTimeBudget() async throws {
        let clock = ManualClock()
        let refused = HTTPError(
            kind: .couldNotConnect, message: "Connection refused", requestMayHaveReachedServer: false)
        let transport = RecordingTransport(clock: clock, script: Array(repeating: .failure(refused), count: 6))
        let api = ApifyAPI(
            configuration: ApifyConfiguration(baseURL: "http://api.test", token: "t", userAgent: "actor-run/test"),
            transport: transport, clock: clock)
        do {
            _ = try await api.getRun(id: "RUN1", waitForFinish: 0)
            Issue.record("a dead server answered")
        } catch {
            #expect(error.kind == .unavailable)
            #expect(error.message.hasSuffix("retry budget, --retry-max-time)"))
        }
        #expect(clock.now() <= .seconds(10))
        // Pauses of [0.5, 1], [1, 2], [2, 4], [4, 8] s: four or five tries fit in 10 s, depending on the jitter.
        #expect((4...5).contains(transport.requests.count))
    }

    /// Server text on the terminal: controls escaped, line breaks flattened, the token replaced.
    @Test func serverTextIsMadeSafe() {
        let text = ServerText(token: "s3cret-token")
        #expect(text.line("a\u{1B}]0;t\u{07}\r\nactor-run: x s3cret-token") == "a\\u{1B}]0;t\\u{7}  actor-run: x ***")
        #expect(text.log("ok\n\u{1B}[31mred\tz\u{9B}\n") == "ok\n\\u{1B}[31mred\tz\\u{9B}\n")
        #expect(ServerText.isRunID("AbC123"))
        #expect(!ServerText.isRunID("ab\u{1B}"))
        #expect(!ServerText.isRunID(""))
    }

    /// Runs a plan of `actor` against `script`, with `onRequest` seeing each request as it goes out.
    private func call(
        control: CallControl, script: [ScriptedAnswer], onRequest: @escaping @Sendable (HTTPRequest) -> Void
    ) async throws -> (CallOutcome, RecordingTransport, StatusLog) {
        let clock = ManualClock()
        let transport = RecordingTransport(clock: clock, script: script)
        transport.onRequest = onRequest
        let events = StatusLog()
        let outcome = try await ActorCall(api: makeAPI(transport), clock: clock)
            .perform(CallPlan(actor: actor), control: control, destination: { MemoryDestination() }) {
                events.append($0)
            }
        return (outcome, transport, events)
    }

    private func decodedRun(_ status: String) throws -> Run {
        let body = Array(runJSON(status).utf8)
        var run = try JSONDecoder().decode(DataEnvelope<Run>.self, from: Data(body)).data
        run.json = Array(body[try #require(JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "data", in: body))])
        return run
    }
}
