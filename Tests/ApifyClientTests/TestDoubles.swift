import CurlHTTP
import Foundation
import Synchronization

@testable import ApifyClient

/// A clock that only moves when told: sleeping advances it at once, and so does a held long-poll.
final class ManualClock: WaitClock {
    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))

    func now() -> Duration { state.withLock { $0.now } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.now += duration
            $0.sleeps.append(duration)
        }
    }

    func advance(by duration: Duration) {
        state.withLock { $0.now += duration }
    }

    var sleeps: [Duration] { state.withLock { $0.sleeps } }
}

/// One scripted answer of the recording transport.
enum ScriptedAnswer {
    case response(status: Int, body: String, headers: [HTTPHeader] = [], holdsFor: Duration = .zero)
    case failure(HTTPError)
}

/// An `HTTPTransport` that records each request and answers from a script, advancing the manual clock by the
/// time a real server would have held the request.
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var script: [ScriptedAnswer]
    private(set) var requests: [HTTPRequest] = []
    let clock: ManualClock
    /// Called with each request as it goes out, before its answer (e.g. to deliver an interrupt mid-request).
    var onRequest: (@Sendable (HTTPRequest) -> Void)?

    init(clock: ManualClock, script: [ScriptedAnswer]) {
        self.clock = clock
        self.script = script
    }

    func send(_ request: HTTPRequest, to sink: any HTTPBodySink) async throws(HTTPError) -> HTTPExchange {
        let answer: ScriptedAnswer = lock.withLock {
            requests.append(request)
            precondition(!script.isEmpty, "unexpected request \(request.method) \(request.url)")
            return script.removeFirst()
        }
        onRequest?(request)
        switch answer {
        case .failure(let error):
            throw error
        case .response(let status, let body, let headers, let hold):
            clock.advance(by: hold)
            let head = HTTPResponseHead(status: status, headers: headers)
            do {
                try sink.receive(head: head)
                try Array(body.utf8).withUnsafeBytes { try sink.receive($0) }
            } catch {
                throw HTTPError(kind: .sinkFailed, message: "\(error)", sinkError: error)
            }
            return HTTPExchange(head: head, bodyBytes: Int64(body.utf8.count), connectionsOpened: 0)
        }
    }

    var remainingAnswers: Int { lock.withLock { script.count } }
}

/// Keeps what it is given in memory, and whether it was committed or discarded.
final class MemoryDestination: RecordDestination, @unchecked Sendable {
    var bytes: [UInt8] = []
    var isCommitted = false
    var isDiscarded = false

    func write(_ chunk: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: chunk) }
    func commit() throws { isCommitted = true }
    func discard() { isDiscarded = true }
}

/// A run object as the API sends it, with the fields the client reads.
func runJSON(_ status: String, id: String = "RUN1", exitCode: Int? = nil) -> String {
    """
    {"data":{"id":"\(id)","actId":"ACT1","status":"\(status)","defaultKeyValueStoreId":"STORE1",\
    "exitCode":\(exitCode.map(String.init) ?? "null"),"someFutureField":{"x":1},\
    "options":{"build":"latest","timeoutSecs":3600,"memoryMbytes":1024,"diskMbytes":2048}}}
    """
}

func errorJSON(_ type: String, _ message: String) -> String {
    #"{"error":{"type":"\#(type)","message":"\#(message)"}}"#
}

func makeAPI(_ transport: RecordingTransport, token: String? = "secret-token") -> ApifyAPI {
    ApifyAPI(
        configuration: ApifyConfiguration(baseURL: "http://api.test/", token: token, userAgent: "actor-run/test"),
        transport: transport,
        clock: transport.clock
    )
}
