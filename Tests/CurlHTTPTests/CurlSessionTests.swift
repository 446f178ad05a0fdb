import ApifyEmulator
import CurlHTTP
import EmulatorTestSupport
import Foundation
import Synchronization
import Testing

/// The libcurl wrapper over real loopback sockets, against the emulator as an ordinary HTTP server.
@Suite struct CurlSessionTests {
    static let token = testToken

    private func withServer(_ body: (EmulatorServer, CurlSession) async throws -> Void) async throws {
        try await withEmulator { server in try await body(server, CurlSession()) }
    }

    private func auth() -> [HTTPHeader] { [HTTPHeader("Authorization", "Bearer \(Self.token)")] }

    /// Starts a run of `actor` and returns its ID, through the wrapper itself.
    private func startRun(
        _ session: CurlSession, _ server: EmulatorServer, actor: String, body: HTTPRequestBody = .empty,
        contentType: String = "application/json"
    ) async throws -> String {
        let response = try await session.collect(
            HTTPRequest(
                method: "POST", url: "\(server.baseURL)/v2/actors/\(actor)/runs",
                headers: auth() + [HTTPHeader("Content-Type", contentType)], body: body),
            limit: 1 << 20)
        #expect(response.status == 201)
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return try #require((object?["data"] as? [String: Any])?["id"] as? String)
    }

    @Test func keepAliveReusesOneConnection() async throws {
        try await withServer { server, session in
            var opened: [Int] = []
            for _ in 0..<3 {
                let exchange = try await session.send(
                    HTTPRequest(url: "\(server.baseURL)/v2/users/me", headers: auth()),
                    to: CollectingSink(limit: 1 << 16))
                #expect(exchange.head.status == 200)
                opened.append(exchange.connectionsOpened)
            }
            #expect(opened == [1, 0, 0])
        }
    }

    @Test func bodyStreamsInChunksAfterTheHead() async throws {
        try await withServer { server, session in
            let runID = try await startRun(session, server, actor: "emulator~binary")
            let run = try await session.collect(
                HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)?waitForFinish=10"), limit: 1 << 20)
            #expect(run.status == 200)
            let sink = OrderCheckingSink()
            let exchange = try await session.send(
                HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT"), to: sink)
            #expect(exchange.head.status == 200)
            #expect(exchange.head.value(for: "content-type") == "application/octet-stream")
            #expect(exchange.bodyBytes == 65536)
            let (events, bytes) = sink.snapshot
            #expect(events.first == "head 200")
            #expect(events.dropFirst().allSatisfy { $0.hasPrefix("chunk") })
            #expect(events.count > 2, "a 64 KiB body arrives in more than one chunk")
            #expect(bytes == (0..<65536).map { UInt8($0 % 256) })
        }
    }

    @Test func postedBytesArriveExactly() async throws {
        try await withServer { server, session in
            let payload = Array("{\"message\": \"bytes\"}".utf8)
            let runID = try await startRun(session, server, actor: "emulator~echo", body: .bytes(payload))
            let input = try await session.collect(
                HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)/key-value-store/records/INPUT"),
                limit: 1 << 20)
            #expect(input.body == payload)
        }
    }

    /// The server creates the run and drops the kept-alive connection before answering. libcurl's own
    /// "connection died, retrying" logic would POST again on a fresh connection (a second paid run); a request
    /// that is not resendable goes out exactly once and fails as possibly processed.
    @Test(arguments: [true, false]) func aStartIsNeverResentByLibcurl(hasBody: Bool) async throws {
        let rules = try FaultRule.parse("POST /v2/actors/*/runs: close-after")
        try await withEmulator(EmulatorConfiguration(token: Self.token, faults: rules)) { server in
            try await startIsSentOnce(server, hasBody: hasBody)
        }
    }

    private func startIsSentOnce(_ server: EmulatorServer, hasBody: Bool) async throws {
        let session = CurlSession()
        // A first exchange leaves a kept-alive connection for the POST to go out on.
        _ = try await session.collect(HTTPRequest(url: "\(server.baseURL)/v2/actors/apify~hello-world"), limit: 1 << 20)
        let request = HTTPRequest(
            method: "POST", url: "\(server.baseURL)/v2/actors/apify~hello-world/runs",
            headers: auth() + [HTTPHeader("Content-Type", "application/json")],
            body: hasBody ? .bytes(Array(#"{"message": "once"}"#.utf8)) : .empty, isResendable: false)
        do {
            _ = try await session.collect(request, limit: 1 << 20)
            Issue.record("the dropped answer was not reported")
        } catch {
            #expect(error.kind == .connectionLost)
            #expect(error.requestMayHaveReachedServer)
        }
        let posts = await server.recordedRequests().filter { $0.method == "POST" }
        #expect(posts.count == 1)
    }

    /// A sink stuck in a write (a terminal nobody reads) holds its own transfer only: another request of the same
    /// session completes meanwhile, and the stuck one gets every byte once the sink moves again.
    /// 8 MB: well past the handoff's 1 MiB, so the transfer pauses while the sink is stuck and resumes after.
    private static let large = ActorDefinition(
        id: "LargeRecord000001", username: "emulator", name: "large",
        steps: [
            .record(
                RecordStep(key: "OUTPUT", contentType: "application/octet-stream", source: .generatedBytes(8_000_000)))
        ])

    @Test(.timeLimit(.minutes(1))) func aBlockedSinkDoesNotStallOtherTransfers() async throws {
        try await withEmulator(EmulatorConfiguration(token: Self.token, extraActors: [Self.large])) { server in
            let session = CurlSession()
            let runID = try await startRun(session, server, actor: "emulator~large")
            _ = try await session.collect(
                HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)?waitForFinish=10"), limit: 1 << 20)
            let sink = GatedSink()
            let url = "\(server.baseURL)/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT"
            let stuck = Task { try await session.send(HTTPRequest(url: url, headers: auth()), to: sink) }
            await sink.firstChunkArrived()
            let other = try await session.collect(
                HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)"), limit: 1 << 20)
            #expect(other.status == 200)
            sink.open()
            let exchange = try await stuck.value
            let whole = try await session.collect(HTTPRequest(url: url, headers: auth()), limit: 64 << 20)
            #expect(exchange.bodyBytes == Int64(whole.body.count))
            #expect(sink.bytes == whole.body)
        }
    }

    @Test func collectingPastTheCapFails() async throws {
        try await withServer { server, session in
            let runID = try await startRun(session, server, actor: "emulator~binary")
            _ = try await session.collect(
                HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)?waitForFinish=10"), limit: 1 << 20)
            do {
                _ = try await session.collect(
                    HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT"),
                    limit: 1000)
                Issue.record("a body over the cap was collected")
            } catch let error as HTTPError {
                #expect(error.kind == .sinkFailed)
                #expect(error.sinkError is CollectingSink.BodyTooLarge)
            }
        }
    }

    @Test func totalTimeoutEndsAHeldRequest() async throws {
        try await withServer { server, session in
            let runID = try await startRun(session, server, actor: "emulator~sleep")
            do {
                _ = try await session.collect(
                    HTTPRequest(
                        url: "\(server.baseURL)/v2/actor-runs/\(runID)?waitForFinish=30",
                        timeouts: HTTPTimeouts(idle: nil, total: .milliseconds(700))),
                    limit: 1 << 20)
                Issue.record("a request held for 30 s ended before its 0.7 s limit")
            } catch let error as HTTPError {
                #expect(error.kind == .timedOut)
                #expect(error.curlCode == 28)
            }
        }
    }

    @Test func cancellationStopsALongPollAtOnce() async throws {
        try await withServer { server, session in
            let runID = try await startRun(session, server, actor: "emulator~sleep")
            let poll = Task {
                try await session.collect(
                    HTTPRequest(
                        url: "\(server.baseURL)/v2/actor-runs/\(runID)?waitForFinish=30",
                        timeouts: HTTPTimeouts(idle: nil, total: .seconds(45))),
                    limit: 1 << 20)
            }
            try await requestArrived(at: server) { $0.query == "waitForFinish=30" }
            poll.cancel()
            // Had the cancellation not reached libcurl, the 30 s hold would end in a response.
            do {
                _ = try await poll.value
                Issue.record("the cancelled long-poll returned a response")
            } catch let error as HTTPError {
                #expect(error.kind == .cancelled)
            }
        }
    }

    @Test func transfersRunSideBySideOnOneSession() async throws {
        try await withServer { server, session in
            let runID = try await startRun(session, server, actor: "emulator~sleep")
            let held = Task {
                try await session.collect(
                    HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)?waitForFinish=30"), limit: 1 << 20)
            }
            // While the server holds that long-poll, other requests on the same session go through.
            for _ in 0..<3 {
                let quick = try await session.collect(
                    HTTPRequest(url: "\(server.baseURL)/v2/users/me", headers: auth()), limit: 1 << 20)
                #expect(quick.status == 200)
            }
            let pending = await server.recordedRequests().filter { ($0.query ?? "").contains("waitForFinish=30") }
            #expect(pending.count == 1)
            held.cancel()
            await #expect(throws: HTTPError.self) { _ = try await held.value }
        }
    }

    @Test func onlyHTTPAndHTTPSAreSpoken() async throws {
        let session = CurlSession()
        do {
            _ = try await session.collect(HTTPRequest(url: "file:///etc/passwd"), limit: 1 << 20)
            Issue.record("libcurl read a file: URL")
        } catch {
            #expect(error.kind == .unsupportedProtocol)
            #expect(!error.requestMayHaveReachedServer)
        }
    }

    @Test func refusedConnectionIsKnownUnsent() async throws {
        do {
            _ = try await CurlSession().collect(HTTPRequest(url: "http://127.0.0.1:9/"), limit: 1 << 20)
            Issue.record("connected to the discard port")
        } catch {
            #expect(error.kind == .couldNotConnect)
            #expect(!error.requestMayHaveReachedServer)
            #expect(error.message.contains("127.0.0.1 port 9"))
        }
    }

    @Test func redirectsAreNotFollowedUnlessAsked() async throws {
        try await withServer { server, session in
            let runID = try await startRun(session, server, actor: "emulator~redirect")
            _ = try await session.collect(
                HTTPRequest(url: "\(server.baseURL)/v2/actor-runs/\(runID)?waitForFinish=10"), limit: 1 << 20)
            let url = "\(server.baseURL)/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT"
            let direct = try await session.collect(HTTPRequest(url: url, headers: auth()), limit: 1 << 20)
            #expect(direct.status == 302)
            #expect(direct.head.value(for: "Location")?.hasPrefix("http://localhost:\(server.port)/") == true)
            let followed = try await session.collect(
                HTTPRequest(url: url, headers: auth(), followsRedirects: true), limit: 1 << 20)
            #expect(followed.status == 200)
            #expect(followed.body == Array("{\"redirected\": true}\n".utf8))
            let signed = try #require(await server.recordedRequests().last)
            #expect(signed.query?.contains("signature=") == true)
            #expect(signed.header("Authorization") == nil)
        }
    }
}

/// Records the order of sink calls and the bytes, to show the head comes first and the body in chunks.
final class OrderCheckingSink: HTTPBodySink, @unchecked Sendable {
    private let state = Mutex<([String], [UInt8])>(([], []))

    func receive(head: HTTPResponseHead) throws {
        state.withLock { $0.0.append("head \(head.status)") }
    }

    func receive(_ chunk: UnsafeRawBufferPointer) throws {
        state.withLock {
            $0.0.append("chunk \(chunk.count)")
            $0.1.append(contentsOf: chunk)
        }
    }

    var snapshot: ([String], [UInt8]) { state.withLock { $0 } }
}

/// A sink whose first write blocks its thread until `open()`, as a write to a terminal that nobody reads would.
final class GatedSink: HTTPBodySink, @unchecked Sendable {
    private let gate = DispatchSemaphore(value: 0)
    private let state = Mutex<(bytes: [UInt8], waiters: [CheckedContinuation<Void, Never>], arrived: Bool)>(
        ([], [], false))

    var mayBlock: Bool { true }

    func receive(head: HTTPResponseHead) throws {}

    func receive(_ chunk: UnsafeRawBufferPointer) throws {
        let (isFirst, waiters) = state.withLock { state in
            state.bytes.append(contentsOf: chunk)
            defer { state.waiters = [] }
            let isFirst = !state.arrived
            state.arrived = true
            return (isFirst, state.waiters)
        }
        waiters.forEach { $0.resume() }
        if isFirst { gate.wait() }
    }

    func firstChunkArrived() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.arrived { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() { gate.signal() }

    var bytes: [UInt8] { state.withLock { $0.bytes } }
}
