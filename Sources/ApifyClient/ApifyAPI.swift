import CurlHTTP
import Foundation

/// Where the API is and who is calling it.
public struct ApifyConfiguration: Sendable {
    public static let defaultBaseURL = "https://api.apify.com"

    /// Scheme, host and optional port, without a trailing slash or the `/v2` prefix.
    public var baseURL: String
    /// Sent only in the `Authorization: Bearer` header, never in a URL or a log line.
    public var token: String?
    public var userAgent: String
    /// Attempts per request for answers that are safe to repeat (429, and 5xx or network errors on reads).
    public var maximumAttempts: Int
    /// The first back-off delay; it doubles per attempt, with jitter, as the API docs prescribe.
    public var initialRetryDelay: Duration

    public init(
        baseURL: String = ApifyConfiguration.defaultBaseURL,
        token: String? = nil,
        userAgent: String = "actor-run",
        maximumAttempts: Int = 6,
        initialRetryDelay: Duration = .milliseconds(500)
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.token = token
        self.userAgent = userAgent
        self.maximumAttempts = maximumAttempts
        self.initialRetryDelay = initialRetryDelay
    }
}

/// What was fetched of a record.
public struct RecordInfo: Sendable, Equatable {
    public var contentType: String?
    public var byteCount: Int64
}

/// The endpoints of the Apify API v2 that running an actor needs. Knows HTTP and the API, nothing of terminals.
public final class ApifyAPI: Sendable {
    public let configuration: ApifyConfiguration
    private let transport: any HTTPTransport
    private let clock: any WaitClock
    private let trace: (@Sendable (String) -> Void)?
    private let notice: (@Sendable (String) -> Void)?

    /// Longest JSON answer collected in memory; run objects are a few KB.
    static let jsonLimit = 16 * 1024 * 1024
    /// The server holds a `waitForFinish` request at most 60 s, so a long-poll gets this much more than its
    /// hold before the client calls it dead.
    static let longPollMargin: Duration = .seconds(15)

    /// - Parameters:
    ///   - trace: receives one line per request and per response (`--verbose`); the token is never in them, as
    ///     it travels only in a header that is not traced, and a password in the URL is masked.
    ///   - notice: receives one line per retry, so that a user knows why nothing seems to happen.
    public init(
        configuration: ApifyConfiguration,
        transport: any HTTPTransport,
        clock: any WaitClock = SystemWaitClock(),
        trace: (@Sendable (String) -> Void)? = nil,
        notice: (@Sendable (String) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.trace = trace
        self.notice = notice
    }

    /// Starts a run: of an actor (`POST /v2/actors/{actor}/runs`), of a task (`/v2/actor-tasks/{task}/runs`,
    /// whose input fields override the task's), or again for an ended run (`/v2/actor-runs/{id}/resurrect`).
    /// Sent once: it is repeated only when the request surely never reached the server, or the server said 429
    /// (it did not process it), so one call starts one run.
    public func start(_ target: RunTarget, options: RunOptions, input: RunInput?) async throws(ApifyError) -> Run {
        var headers = commonHeaders()
        if let input { headers.append(HTTPHeader("Content-Type", input.contentType)) }
        let path: String
        switch target {
        case .actor(let actor): path = "/v2/actors/\(escape(actor.pathComponent))/runs"
        case .task(let task): path = "/v2/actor-tasks/\(escape(task.pathComponent))/runs"
        case .resurrection(let runID): path = "/v2/actor-runs/\(escape(runID))/resurrect"
        }
        let request = HTTPRequest(
            method: "POST",
            url: url(path, query: options.queryItems),
            headers: headers,
            body: input.map { .bytes($0.bytes) } ?? .empty,
            timeouts: HTTPTimeouts(idle: .seconds(60))
        )
        let action = target.failureAction
        let response = try await collect(request, action: action, isIdempotent: false)
        guard response.status == 201 || response.status == 200 else {
            throw apiError(response, action: action)
        }
        return try decodeRun(response, action: action)
    }

    /// Finds the run that a start with this client's `User-Agent` created, among the newest runs of the actor or
    /// task: the way to learn whether a start whose answer was lost took effect, without starting another.
    /// For a resurrection, the run itself, if it is going again.
    public func findStartedRun(_ target: RunTarget) async throws(ApifyError) -> Run? {
        let path: String
        switch target {
        case .actor(let actor): path = "/v2/actors/\(escape(actor.pathComponent))/runs"
        case .task(let task): path = "/v2/actor-tasks/\(escape(task.pathComponent))/runs"
        case .resurrection(let runID):
            let run = try await getRun(id: runID, waitForFinish: 0)
            return run.status.isTerminal ? nil : run
        }
        let request = HTTPRequest(
            url: url(path, query: [("desc", "1"), ("limit", "20")]),
            headers: commonHeaders(),
            timeouts: HTTPTimeouts(idle: .seconds(30))
        )
        let action = "cannot list the runs of \(target)"
        let response = try await collect(request, action: action, isIdempotent: true)
        guard response.status == 200 else { throw apiError(response, action: action) }
        guard let list = try? JSONDecoder().decode(DataEnvelope<RunList>.self, from: Data(response.body)).data else {
            throw ApifyError(kind: .unexpectedResponse, message: "\(action): the answer is not a list of runs")
        }
        guard let mine = list.items.first(where: { $0.meta?.userAgent == configuration.userAgent }) else {
            return nil
        }
        return try await getRun(id: mine.id, waitForFinish: 0)
    }

    /// Starts a run of an actor; see `start(_:options:input:)`.
    public func startRun(actor: ActorReference, options: RunOptions, input: RunInput?) async throws(ApifyError)
        -> Run
    {
        try await start(.actor(actor), options: options, input: input)
    }

    /// Gets a run, letting the server hold the answer up to `waitForFinish` seconds (it clamps to 60) until
    /// the run ends.
    public func getRun(id: String, waitForFinish seconds: Int) async throws(ApifyError) -> Run {
        let request = HTTPRequest(
            url: url("/v2/actor-runs/\(escape(id))", query: seconds > 0 ? [("waitForFinish", String(seconds))] : []),
            headers: commonHeaders(),
            timeouts: HTTPTimeouts(idle: nil, total: .seconds(Int64(seconds)) + Self.longPollMargin)
        )
        let action = "cannot get run \(id)"
        let response = try await collect(request, action: action, isIdempotent: true)
        guard response.status == 200 else { throw apiError(response, action: action) }
        return try decodeRun(response, action: action)
    }

    /// Aborts a run (`POST /v2/actor-runs/{id}/abort`). Gracefully, the actor gets the `aborting` event and
    /// some seconds to persist its state; otherwise it is stopped at once. Aborting an ended run changes nothing.
    public func abortRun(id: String, gracefully: Bool) async throws(ApifyError) -> Run {
        let request = HTTPRequest(
            method: "POST",
            url: url("/v2/actor-runs/\(escape(id))/abort", query: [("gracefully", gracefully ? "true" : "false")]),
            headers: commonHeaders(),
            timeouts: HTTPTimeouts(idle: .seconds(30))
        )
        let action = "cannot abort run \(id)"
        let response = try await collect(request, action: action, isIdempotent: true)
        guard response.status == 200 else { throw apiError(response, action: action) }
        return try decodeRun(response, action: action)
    }

    /// Streams a record of a key-value store into `destination`, chunk by chunk, following a redirect to
    /// storage (the API may answer 302 to a signed URL; the token stays behind with the first host).
    public func streamRecord(storeID: String, key: String, to destination: any RecordDestination)
        async throws(ApifyError) -> RecordInfo
    {
        let request = HTTPRequest(
            url: url("/v2/key-value-stores/\(escape(storeID))/records/\(escape(key))", query: []),
            headers: commonHeaders(),
            timeouts: HTTPTimeouts(idle: .seconds(60)),
            followsRedirects: true
        )
        return try await stream(request, action: "cannot get record \(key)", to: destination)
    }

    /// Streams a dataset's items in one of the API's formats (`json`, `jsonl`, `csv`, ...).
    public func streamDatasetItems(datasetID: String, format: String, to destination: any RecordDestination)
        async throws(ApifyError) -> RecordInfo
    {
        let request = HTTPRequest(
            url: url("/v2/datasets/\(escape(datasetID))/items", query: [("format", format)]),
            headers: commonHeaders(),
            timeouts: HTTPTimeouts(idle: .seconds(60)),
            followsRedirects: true
        )
        return try await stream(request, action: "cannot get the items of dataset \(datasetID)", to: destination)
    }

    /// Streams a run's log; with `follows`, the server keeps the answer open and sends lines until the run ends.
    /// A quiet actor sends nothing for long stretches, so there is no idle limit: the caller ends it.
    public func streamLog(runID: String, follows: Bool, to destination: any RecordDestination)
        async throws(ApifyError) -> RecordInfo
    {
        let request = HTTPRequest(
            url: url("/v2/actor-runs/\(escape(runID))/log", query: follows ? [("stream", "1")] : []),
            headers: commonHeaders(),
            timeouts: HTTPTimeouts(idle: follows ? nil : .seconds(60)),
            followsRedirects: true
        )
        return try await stream(request, action: "cannot get the log of run \(runID)", to: destination)
    }

    /// Streams a body into `destination`. A failure after the first byte is never retried: those bytes are
    /// already out.
    private func stream(_ request: HTTPRequest, action: String, to destination: any RecordDestination)
        async throws(ApifyError) -> RecordInfo
    {
        var attempt = 1
        while true {
            let sink = RecordSink(destination: destination)
            traceRequest(request)
            do {
                let exchange = try await transport.send(request, to: sink)
                traceResponse(exchange.head)
                let response = HTTPResponse(head: exchange.head, body: sink.errorBody)
                if exchange.head.isSuccess {
                    return RecordInfo(
                        contentType: exchange.head.value(for: "Content-Type"), byteCount: exchange.bodyBytes)
                }
                guard isRetryable(status: response.status, isIdempotent: true), attempt < configuration.maximumAttempts
                else { throw apiError(response, action: action) }
                try await backOff(
                    attempt: attempt, head: response.head, reason: "HTTP \(response.status)", action: action)
            } catch let error as HTTPError {
                guard sink.bytesWritten == 0, isRetryable(error, isIdempotent: true),
                    attempt < configuration.maximumAttempts
                else { throw ApifyError(transport: error, doing: action) }
                try await backOff(attempt: attempt, head: nil, reason: error.message, action: action)
            } catch let error as ApifyError {
                throw error
            } catch {
                throw ApifyError(kind: .unexpectedResponse, message: "\(action): \(error)")
            }
            attempt += 1
        }
    }

    // MARK: - Requests

    private func commonHeaders() -> [HTTPHeader] {
        var headers = [HTTPHeader("User-Agent", configuration.userAgent), HTTPHeader("Accept", "application/json")]
        if let token = configuration.token {
            headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
        }
        return headers
    }

    private func url(_ path: String, query: [(String, String)]) -> String {
        guard !query.isEmpty else { return configuration.baseURL + path }
        let encoded = query.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
        return configuration.baseURL + path + "?" + encoded
    }

    /// Percent-encodes a path segment or a query name or value alike.
    private func escape(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathComponentAllowed) ?? component
    }

    /// Sends a request whose answer is small JSON, repeating it while that is safe and useful.
    private func collect(_ request: HTTPRequest, action: String, isIdempotent: Bool) async throws(ApifyError)
        -> HTTPResponse
    {
        var attempt = 1
        while true {
            traceRequest(request)
            do {
                let response = try await transport.collect(request, limit: Self.jsonLimit)
                traceResponse(response.head)
                guard isRetryable(status: response.status, isIdempotent: isIdempotent),
                    attempt < configuration.maximumAttempts
                else { return response }
                try await backOff(
                    attempt: attempt, head: response.head, reason: "HTTP \(response.status)", action: action)
            } catch let error as HTTPError {
                guard isRetryable(error, isIdempotent: isIdempotent), attempt < configuration.maximumAttempts else {
                    throw ApifyError(transport: error, doing: action)
                }
                try await backOff(attempt: attempt, head: nil, reason: error.message, action: action)
            } catch let error as ApifyError {
                throw error
            } catch {
                throw ApifyError(kind: .unexpectedResponse, message: "\(action): \(error)")
            }
            attempt += 1
        }
    }

    /// 429 means the server did not process the request, so any request may be repeated; a 5xx may have
    /// done the work, so only reads are repeated.
    private func isRetryable(status: Int, isIdempotent: Bool) -> Bool {
        status == 429 || (isIdempotent && (500...599).contains(status))
    }

    private func isRetryable(_ error: HTTPError, isIdempotent: Bool) -> Bool {
        switch error.kind {
        case .cancelled, .sinkFailed, .unsupportedProtocol, .tooManyRedirects, .tls: return false
        default: return isIdempotent || !error.requestMayHaveReachedServer
        }
    }

    /// Sleeps a random time in [d, 2d] with d doubling per attempt from the initial delay (the API's documented
    /// back-off), or what `Retry-After` asks for, capped at a minute.
    private func backOff(attempt: Int, head: HTTPResponseHead?, reason: String, action: String)
        async throws(ApifyError)
    {
        var delay = configuration.initialRetryDelay * (1 << min(attempt - 1, 10))
        delay = delay + delay * Double.random(in: 0...1)
        if let retryAfter = head?.value(for: "Retry-After").flatMap({ Double($0) }), retryAfter.isFinite,
            retryAfter >= 0
        {
            delay = .milliseconds(Int64(min(retryAfter, 60) * 1000))
        }
        delay = min(delay, .seconds(60))
        notice?(
            "\(action): \(reason); retrying in \(delay.formattedSeconds)"
                + " (attempt \(attempt + 1) of \(configuration.maximumAttempts))")
        do {
            try await clock.sleep(for: delay)
        } catch {
            throw ApifyError(kind: .cancelled, message: "interrupted")
        }
    }

    private func traceRequest(_ request: HTTPRequest) {
        guard let trace else { return }
        var url = request.url
        if var components = URLComponents(string: url), components.password != nil {
            components.password = "***"
            url = components.string ?? url
        }
        trace("> \(request.method) \(url)")
    }

    private func traceResponse(_ head: HTTPResponseHead) {
        trace?("< \(head.status) \(head.value(for: "Content-Type") ?? "")")
    }

    // MARK: - Answers

    private func decodeRun(_ response: HTTPResponse, action: String) throws(ApifyError) -> Run {
        do {
            var run = try JSONDecoder().decode(DataEnvelope<Run>.self, from: Data(response.body)).data
            if let range = JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "data", in: response.body) {
                run.json = Array(response.body[range])
            }
            return run
        } catch {
            throw ApifyError(
                kind: .unexpectedResponse,
                message: "\(action): the API answered HTTP \(response.status) with a body that is not a run object",
                status: response.status
            )
        }
    }

    /// An error answer as the user should read it: the API's message, the status and the error type.
    func apiError(_ response: HTTPResponse, action: String) -> ApifyError {
        let detail = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body)).error
        let type = detail?.type
        var message = "\(action): "
        if let text = detail?.message, !text.isEmpty {
            message += text
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
}

extension CharacterSet {
    /// RFC 3986 unreserved characters: everything else in a path segment or query part is percent-encoded.
    fileprivate static let urlPathComponentAllowed = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

extension Duration {
    /// `1.5 s`, for people.
    public var formattedSeconds: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return String(format: "%.1f s", seconds)
    }
}
