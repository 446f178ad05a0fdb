import CurlHTTP
import FoundationEssentials

/// Whether a request may be sent again when its answer is not a usable one.
enum RepeatPolicy: Sendable {
    /// A read, or an abort (repeating it changes nothing): repeated after 429, 5xx and network failures.
    case idempotent
    /// A start: repeated only when the server surely did not process it (429, or the request never left this
    /// machine). libcurl is told the same (`HTTPRequest.isResendable`), so nobody sends it twice.
    case once
}

/// The one place where requests go out: retries with the API's back-off and `Retry-After`, a budget in time and
/// in attempts, `--verbose` tracing, resumption of cut downloads, and the API's error answers turned into
/// `ApifyError`s whose text is safe to print.
struct RequestExecutor: Sendable {
    let configuration: ApifyConfiguration
    let transport: any HTTPTransport
    let clock: any WaitClock
    let trace: (@Sendable (String) -> Void)?
    let notice: (@Sendable (String) -> Void)?

    /// Longest JSON answer collected in memory; run objects are a few KB.
    static let jsonLimit = 16 * 1024 * 1024

    var serverText: ServerText { ServerText(token: configuration.token) }

    /// Sends a request whose answer is small JSON, and returns it once it is a 2xx; any other answer, or a failure
    /// that outlived the retries, is thrown as an `ApifyError`.
    func json(_ request: HTTPRequest, action: String, policy: RepeatPolicy) async throws(ApifyError) -> HTTPResponse {
        var request = request
        request.isResendable = policy == .idempotent
        var retries = RetryState(began: clock.now())
        while true {
            traceRequest(request)
            do {
                let response = try await transport.collect(request, limit: Self.jsonLimit)
                traceResponse(response.head)
                if response.head.isSuccess { return response }
                let error = apiError(response, action: action)
                guard isRetryable(status: response.status, policy: policy) else { throw error }
                try await retries.backOff(
                    after: error, head: response.head, reason: "HTTP \(response.status)", executor: self)
            } catch let error as HTTPError {
                let failure = self.error(error, action: action, policy: policy)
                guard isRetryable(error, policy: policy) else { throw failure }
                try await retries.backOff(after: failure, head: nil, reason: error.message, executor: self)
            } catch let error as ApifyError {
                throw error
            } catch {
                throw ApifyError(kind: .unexpectedResponse, message: "\(action): \(error)")
            }
        }
    }

    /// Streams a body into `destination`. A transfer cut after some bytes went out is resumed: with `Range` where
    /// the server honours it, else fetched again with the bytes already written skipped, so the destination gets
    /// every byte exactly once.
    func stream(_ request: HTTPRequest, action: String, to destination: any RecordDestination)
        async throws(ApifyError) -> RecordInfo
    {
        var retries = RetryState(began: clock.now())
        var delivered: Int64 = 0
        var entityTag: String?
        var contentType: String?
        while true {
            var attempt = request
            if delivered > 0 {
                // Identity: a range counts the bytes as stored, which are the bytes written so far.
                attempt.headers += [
                    HTTPHeader("Range", "bytes=\(delivered)-"), HTTPHeader("Accept-Encoding", "identity"),
                ]
                if let entityTag { attempt.headers.append(HTTPHeader("If-Range", entityTag)) }
            }
            let sink = ResumingSink(destination: destination, offset: delivered)
            traceRequest(attempt)
            do {
                let exchange = try await transport.send(attempt, to: sink)
                traceResponse(exchange.head)
                if exchange.head.isSuccess {
                    guard sink.isComplete else {
                        throw ApifyError(
                            kind: .unexpectedResponse,
                            message: "\(action): the answer got shorter between two attempts; it changed meanwhile")
                    }
                    delivered += sink.bytesWritten
                    return RecordInfo(
                        contentType: contentType ?? exchange.head.value(for: "Content-Type"), byteCount: delivered)
                }
                let error = apiError(HTTPResponse(head: exchange.head, body: sink.errorBody), action: action)
                guard isRetryable(status: exchange.head.status, policy: .idempotent) else { throw error }
                try await retries.backOff(
                    after: error, head: exchange.head, reason: "HTTP \(exchange.head.status)", executor: self)
            } catch let error as HTTPError {
                let failure = self.error(error, action: action, policy: .idempotent)
                guard isRetryable(error, policy: .idempotent) else { throw failure }
                if sink.bytesWritten > 0 {
                    delivered += sink.bytesWritten
                    entityTag = sink.head?.value(for: "ETag") ?? entityTag
                    contentType = contentType ?? sink.head?.value(for: "Content-Type")
                }
                let reason = delivered > 0 ? "\(error.message) after \(delivered) bytes; resuming" : error.message
                try await retries.backOff(after: failure, head: nil, reason: reason, executor: self)
            } catch let error as ApifyError {
                throw error
            } catch {
                throw ApifyError(kind: .unexpectedResponse, message: "\(action): \(error)")
            }
        }
    }

    /// 429 means the server did not process the request, so any request may be repeated; a 5xx may have done the
    /// work, so only idempotent ones are.
    private func isRetryable(status: Int, policy: RepeatPolicy) -> Bool {
        status == 429 || (policy == .idempotent && (500...599).contains(status))
    }

    private func isRetryable(_ error: HTTPError, policy: RepeatPolicy) -> Bool {
        switch error.kind {
        case .cancelled, .sinkFailed, .unsupportedProtocol, .tooManyRedirects, .tls: return false
        default: return policy == .idempotent || !error.requestMayHaveReachedServer
        }
    }

    /// A transport failure as the user reads it.
    private func error(_ error: HTTPError, action: String, policy: RepeatPolicy) -> ApifyError {
        if error.kind == .sinkFailed, let tooLarge = error.sinkError as? CollectingSink.BodyTooLarge {
            // An endless or decompression-bomb answer: not ours to store, and for a start the work was done.
            var failure = ApifyError(
                kind: .unexpectedResponse,
                message: "\(action): the API's answer is larger than \(tooLarge.limit / (1024 * 1024)) MiB")
            failure.mayHaveTakenEffect = policy == .once
            return failure
        }
        var failure = ApifyError(transport: error, doing: action)
        failure.message = serverText.line(failure.message)
        return failure
    }

    /// An error answer as the user should read it: the API's message, the status and the error type, with
    /// control characters and the token taken out.
    func apiError(_ response: HTTPResponse, action: String) -> ApifyError {
        let detail = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body)).error
        let type = detail?.type.map(serverText.line)
        var message = "\(action): "
        if let text = detail?.message, !text.isEmpty {
            message += serverText.line(text)
            message += " (HTTP \(response.status)\(type.map { ", \($0)" } ?? ""))"
        } else {
            message += "the API answered HTTP \(response.status)"
        }
        var kind = ApifyError.kind(status: response.status, type: type)
        if detail == nil && response.status == 404 {
            // Every 404 of the API carries its error body; a bare one means this is not the API.
            kind = .unexpectedResponse
            message += " with no API error: is the API URL right (scheme, host and port, without /v2)?"
        }
        var error = ApifyError(kind: kind, message: message, status: response.status, type: type)
        // A 5xx (or a gateway's 408) may come after the work was done: for a start, a run may exist.
        error.mayHaveTakenEffect = response.status >= 500 || response.status == 408
        return error
    }

    func traceRequest(_ request: HTTPRequest) {
        guard let trace else { return }
        var url = request.url
        if var components = URLComponents(string: url), components.password != nil {
            components.password = "***"
            url = components.string ?? url
        }
        let range = request.headers.first { $0.name == "Range" }.map { " (\($0.value))" } ?? ""
        trace("> \(request.method) \(url)\(range)")
    }

    func traceResponse(_ head: HTTPResponseHead) {
        trace?("< \(head.status) \(serverText.line(head.value(for: "Content-Type") ?? ""))")
    }
}

/// The retries of one request: how many, and how long since the first attempt.
private struct RetryState {
    var began: Duration
    var attempt = 1

    /// Sleeps before the next attempt, or throws `error` when the attempts or the time budget are spent.
    ///
    /// The pause is random in [d, 2d] with d doubling per attempt from the initial delay (the API's documented
    /// back-off), or what `Retry-After` asks (seconds or an HTTP date), capped at a minute.
    mutating func backOff(
        after error: ApifyError, head: HTTPResponseHead?, reason: String, executor: RequestExecutor
    ) async throws(ApifyError) {
        let configuration = executor.configuration
        guard attempt < configuration.maximumAttempts else {
            throw error.givingUp(attempts: attempt)
        }
        var delay = configuration.initialRetryDelay * (1 << min(attempt - 1, 10))
        delay = delay + delay * Double.random(in: 0...1)
        if let value = head?.value(for: "Retry-After"), let retryAfter = RetryAfter.delay(from: value) {
            delay = retryAfter
        }
        delay = min(delay, .seconds(60))
        let spent = executor.clock.now() - began
        guard spent + delay <= configuration.retryBudget else {
            throw error.givingUp(attempts: attempt, budget: configuration.retryBudget)
        }
        attempt += 1
        executor.notice?(
            "\(error.action): \(executor.serverText.line(reason)); retrying in \(delay.formattedSeconds)"
                + " (attempt \(attempt) of \(configuration.maximumAttempts))")
        do {
            try await executor.clock.sleep(for: delay)
        } catch _ {
            throw ApifyError(kind: .cancelled, message: "\(error.action): interrupted")
        }
    }
}

/// `Retry-After`: seconds, or an HTTP date (RFC 9110 §10.2.3).
enum RetryAfter {
    static func delay(from value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingWhitespace()
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64(min(seconds, 3600) * 1000))
        }
        guard let date = secondsSince1970(httpDate: text) else { return nil }
        let seconds = max(0, min(Double(date) - now.timeIntervalSince1970, 3600))
        return .milliseconds(Int64(seconds * 1000))
    }
}

extension ApifyError {
    /// The text before the first `: `, which names what was being done (`cannot get run X`).
    var action: String {
        guard let range = message.firstRange(of: ": ") else { return message }
        return String(message[..<range.lowerBound])
    }

    func givingUp(attempts: Int, budget: Duration? = nil) -> ApifyError {
        guard attempts > 1 || budget != nil else { return self }
        var error = self
        if let budget {
            error.message += " (gave up after \(attempts) attempt\(attempts == 1 ? "" : "s"): the next would pass the"
            error.message += " \(budget.formattedSeconds) retry budget, --retry-max-time)"
        } else {
            error.message += " (gave up after \(attempts) attempts)"
        }
        return error
    }
}

/// Streams a success body into a destination, skipping what an earlier attempt already wrote, and keeps the
/// start of an error body for its message.
final class ResumingSink: HTTPBodySink, @unchecked Sendable {
    private let destination: any RecordDestination
    private let offset: Int64
    private var toSkip: Int64 = 0
    private var isStreaming = false
    private(set) var head: HTTPResponseHead?
    private(set) var bytesWritten: Int64 = 0
    private(set) var errorBody: [UInt8] = []
    private static let errorBodyLimit = 64 * 1024

    /// - Parameter offset: bytes the destination already has from earlier attempts.
    init(destination: any RecordDestination, offset: Int64) {
        self.destination = destination
        self.offset = offset
    }

    var mayBlock: Bool { destination.mayBlock }

    /// False when a full answer ended before reaching the bytes written earlier.
    var isComplete: Bool { toSkip == 0 }

    func receive(head: HTTPResponseHead) throws {
        self.head = head
        isStreaming = head.isSuccess
        guard isStreaming, offset > 0 else { return }
        if head.status == 206 {
            // `bytes START-END/TOTAL`: it must start where we stopped.
            let range = head.value(for: "Content-Range") ?? ""
            let start = range.split(separator: " ").last?.split(separator: "-").first.flatMap { Int64($0) }
            guard start == offset else { throw ResumeMismatch(description: "the server resumed at '\(range)'") }
        } else {
            toSkip = offset
        }
    }

    func receive(_ chunk: UnsafeRawBufferPointer) throws {
        guard isStreaming else {
            if errorBody.count < Self.errorBodyLimit {
                errorBody.append(contentsOf: chunk.prefix(Self.errorBodyLimit - errorBody.count))
            }
            return
        }
        var bytes = chunk
        if toSkip > 0 {
            let skipped = Int(min(toSkip, Int64(bytes.count)))
            toSkip -= Int64(skipped)
            bytes = UnsafeRawBufferPointer(rebasing: bytes[skipped...])
            if bytes.isEmpty { return }
        }
        try destination.write(bytes)
        bytesWritten += Int64(bytes.count)
    }

    struct ResumeMismatch: Error, Sendable, CustomStringConvertible {
        var description: String
    }
}
