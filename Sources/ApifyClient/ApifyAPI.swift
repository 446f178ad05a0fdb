import CurlHTTP
import FoundationEssentials

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
    /// How long one request may keep being retried, from its first attempt: a dead server is given up on
    /// within this (`--retry-max-time`).
    public var retryBudget: Duration
    /// The longest a request may take whose answer is small JSON and not held by the server (the start, an
    /// abort, a run list): a server that trickles its answer is given up on after this (`--request-timeout`).
    public var requestTimeout: Duration

    public init(
        baseURL: String = ApifyConfiguration.defaultBaseURL,
        token: String? = nil,
        userAgent: String = "actor-run",
        maximumAttempts: Int = 6,
        initialRetryDelay: Duration = .milliseconds(500),
        retryBudget: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(60)
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.token = token
        self.userAgent = userAgent
        self.maximumAttempts = maximumAttempts
        self.initialRetryDelay = initialRetryDelay
        self.retryBudget = retryBudget
        self.requestTimeout = requestTimeout
    }
}

/// What was fetched of a record.
public struct RecordInfo: Sendable, Equatable {
    public var contentType: String?
    public var byteCount: Int64
}

/// The endpoints of the Apify API v2 that running an actor needs. Knows HTTP and the API, nothing of terminals;
/// every request goes out through one `RequestExecutor`.
public final class ApifyAPI: Sendable {
    public let configuration: ApifyConfiguration
    let executor: RequestExecutor

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
        self.executor = RequestExecutor(
            configuration: configuration, transport: transport, clock: clock, trace: trace, notice: notice)
    }

    /// Makes server text safe to print: no control sequences, never the token.
    public var serverText: ServerText { executor.serverText }

    /// Starts a run: of an actor (`POST /v2/actors/{actor}/runs`), of a task (`/v2/actor-tasks/{task}/runs`,
    /// whose input fields override the task's), or again for an ended run (`/v2/actor-runs/{id}/resurrect`).
    ///
    /// Sent once: repeated only when the request surely never reached the server, or the server said 429 (it
    /// did not process it). A failure after which a run may exist (a lost or unreadable answer, a 5xx) has
    /// `mayHaveTakenEffect`: look for the run with `findStartedRun` before anything else.
    ///
    /// - Parameters:
    ///   - marker: the `User-Agent` that marks this start, for `findStartedRun` (default: the client's own, which
    ///     is unique per invocation; a batch marks each line apart).
    ///   - waitForFinish: seconds the server may hold the answer until the run ends, so that a short run needs no
    ///     request of its own to be seen ending.
    public func start(
        _ target: RunTarget, options: RunOptions, input: RunInput?, marker: String? = nil, waitForFinish: Int = 0
    ) async throws(ApifyError) -> Run {
        var headers = commonHeaders(userAgent: marker)
        if let input { headers.append(HTTPHeader("Content-Type", input.contentType)) }
        let hold = max(0, min(waitForFinish, RunWaiter.longPollSeconds))
        let query = options.queryItems + (hold > 0 ? [("waitForFinish", String(hold))] : [])
        let request = HTTPRequest(
            method: "POST",
            url: url(target.runsPath(start: true), query: query),
            headers: headers,
            body: input.map { .bytes($0.bytes) } ?? .empty,
            timeouts: HTTPTimeouts(idle: .seconds(60), total: configuration.requestTimeout + .seconds(Int64(hold))),
            isResendable: false
        )
        let action = target.failureAction
        let response = try await executor.json(request, action: action, policy: .once)
        do {
            return try decodeRun(response, action: action)
        } catch {
            // The server said it created the run, in words we cannot read: the run exists.
            var failure = error
            failure.mayHaveTakenEffect = true
            throw failure
        }
    }

    /// Starts a run of an actor; see `start(_:options:input:)`.
    public func startRun(actor: ActorReference, options: RunOptions, input: RunInput?) async throws(ApifyError)
        -> Run
    {
        try await start(.actor(actor), options: options, input: input)
    }

    /// Finds the run that a start with this client's `User-Agent` created, among the newest runs of the actor or
    /// task: the way to learn whether a start whose answer was lost took effect, without starting another.
    /// For a resurrection, the run itself, if it is going again. The run comes from the list: a GET by its ID
    /// may still answer 404 for a while (the API's replicas lag), which waiting for it rides out.
    public func findStartedRun(_ target: RunTarget, marker: String? = nil) async throws(ApifyError) -> Run? {
        if case .resurrection(let runID) = target {
            let run = try await getRun(id: runID, waitForFinish: 0)
            return run.status.isTerminal ? nil : run
        }
        let request = smallRequest(target.runsPath(start: false), query: [("desc", "1"), ("limit", "100")])
        let action = "cannot list the runs of \(target)"
        let response = try await executor.json(request, action: action, policy: .idempotent)
        guard let list = try? JSONDecoder().decode(DataEnvelope<RunList>.self, from: Data(response.body)).data else {
            throw ApifyError(kind: .unexpectedResponse, message: "\(action): the answer is not a list of runs")
        }
        let wanted = marker ?? configuration.userAgent
        return list.items.first { $0.meta?.userAgent == wanted }?.run.map(sanitized)
    }

    /// Gets a run, letting the server hold the answer up to `waitForFinish` seconds (it clamps to 60) until
    /// the run ends.
    public func getRun(id: String, waitForFinish seconds: Int) async throws(ApifyError) -> Run {
        let request = HTTPRequest(
            url: url("/v2/actor-runs/\(escape(id))", query: seconds > 0 ? [("waitForFinish", String(seconds))] : []),
            headers: commonHeaders(),
            timeouts: HTTPTimeouts(
                idle: nil, total: max(.seconds(Int64(seconds)) + Self.longPollMargin, configuration.requestTimeout))
        )
        let action = "cannot get run \(id)"
        let response = try await executor.json(request, action: action, policy: .idempotent)
        return try decodeRun(response, action: action)
    }

    /// The account's room for runs (`GET /v2/users/me/limits`): memory in MB and concurrent runs, each nil when
    /// the API does not say. Best effort: any failure reads as "unknown".
    public func accountRoom() async -> (memoryMegabytes: Int?, runs: Int?) {
        let request = smallRequest("/v2/users/me/limits", query: [])
        guard
            let response = try? await executor.json(
                request, action: "cannot read the account's limits", policy: .idempotent),
            let limits = try? JSONDecoder().decode(DataEnvelope<AccountLimits>.self, from: Data(response.body)).data
        else { return (nil, nil) }
        var memory: Int?
        if let total = limits.limits?.maxActorMemoryGbytes {
            memory = Int(((total - (limits.current?.actorMemoryGbytes ?? 0)) * 1024).rounded(.down))
        }
        var runs: Int?
        if let total = limits.limits?.maxConcurrentActorJobs {
            runs = total - (limits.current?.activeActorJobCount ?? 0)
        }
        return (memory, runs)
    }

    /// Aborts a run (`POST /v2/actor-runs/{id}/abort`). Gracefully, the actor gets the `aborting` event and
    /// some seconds to persist its state; otherwise it is stopped at once. Aborting an ended run changes nothing,
    /// so the request may be repeated.
    public func abortRun(id: String, gracefully: Bool) async throws(ApifyError) -> Run {
        let request = smallRequest(
            "/v2/actor-runs/\(escape(id))/abort", query: [("gracefully", gracefully ? "true" : "false")], method: "POST"
        )
        let action = "cannot abort run \(id)"
        let response = try await executor.json(request, action: action, policy: .idempotent)
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
        return try await executor.stream(request, action: "cannot get record \(key)", to: destination)
    }

    /// Streams a dataset's items in one of the API's formats (`json`, `jsonl`, `csv`, ...).
    public func streamDatasetItems(
        datasetID: String, format: String, options: DatasetOptions = DatasetOptions(),
        to destination: any RecordDestination
    ) async throws(ApifyError) -> RecordInfo {
        let request = HTTPRequest(
            url: url("/v2/datasets/\(escape(datasetID))/items", query: [("format", format)] + options.queryItems),
            headers: commonHeaders(),
            timeouts: HTTPTimeouts(idle: .seconds(60)),
            followsRedirects: true
        )
        return try await executor.stream(
            request, action: "cannot get the items of dataset \(datasetID)", to: destination)
    }

    /// The newest runs of an actor or task (`GET …/runs?desc=1`), each with its JSON as the API sent it.
    public func listRuns(_ target: RunTarget, limit: Int, status: String?) async throws(ApifyError) -> [Run] {
        var query = [("desc", "1"), ("limit", String(limit))]
        if let status { query.append(("status", status)) }
        let request = smallRequest(target.runsPath(start: false), query: query)
        let action = "cannot list the runs of \(target)"
        let response = try await executor.json(request, action: action, policy: .idempotent)
        // `{"data": {"items": [run, ...]}}`: each run's bytes are kept for `--json`.
        guard
            let data = JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "data", in: response.body).map({
                Array(response.body[$0])
            }),
            let items = JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "items", in: data),
            let elements = JSONSyntaxChecker.rangesOfElements(in: data[items])
        else {
            throw ApifyError(kind: .unexpectedResponse, message: "\(action): the answer is not a list of runs")
        }
        return elements.compactMap { range in
            guard var run = try? JSONDecoder().decode(Run.self, from: Data(data[range])) else { return nil }
            run.json = Array(data[range])
            return sanitized(run)
        }
    }

    /// What a run left besides the record asked for: its dataset's item count and its store's other keys (the
    /// first few), each nil when the API would not say. For the message that a record is missing.
    public func whatRunProduced(_ run: Run) async -> (items: Int?, keys: [String]?) {
        var items: Int?
        if let datasetID = run.defaultDatasetId {
            let request = smallRequest("/v2/datasets/\(escape(datasetID))", query: [])
            if let response = try? await executor.json(request, action: "cannot read the dataset", policy: .idempotent)
            {
                items =
                    (try? JSONDecoder().decode(DataEnvelope<DatasetInfo>.self, from: Data(response.body)))?.data
                    .itemCount
            }
        }
        var keys: [String]?
        if let storeID = run.defaultKeyValueStoreId {
            let request = smallRequest("/v2/key-value-stores/\(escape(storeID))/keys", query: [("limit", "10")])
            if let response = try? await executor.json(request, action: "cannot list the store", policy: .idempotent) {
                keys = (try? JSONDecoder().decode(DataEnvelope<KeyList>.self, from: Data(response.body)))?.data
                    .items.map { serverText.line($0.key) }
            }
        }
        return (items, keys)
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
        return try await executor.stream(request, action: "cannot get the log of run \(runID)", to: destination)
    }

    /// The last `lines` lines of a run's log, made safe to print; empty when the log cannot be read. Streamed: only
    /// the tail is kept.
    public func logTail(runID: String, lines: Int) async -> [String] {
        let tail = LogTail(lines: lines)
        _ = try? await streamLog(runID: runID, follows: false, to: tail)
        return tail.lines.map { serverText.line($0) }
    }

    // MARK: - Requests

    /// A request whose answer is small JSON and comes at once (no hold), within the request timeout.
    private func smallRequest(_ path: String, query: [(String, String)], method: String = "GET") -> HTTPRequest {
        HTTPRequest(
            method: method, url: url(path, query: query), headers: commonHeaders(),
            timeouts: HTTPTimeouts(idle: .seconds(30), total: configuration.requestTimeout))
    }

    private func commonHeaders(userAgent: String? = nil) -> [HTTPHeader] {
        var headers = [
            HTTPHeader("User-Agent", userAgent ?? configuration.userAgent), HTTPHeader("Accept", "application/json"),
        ]
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

    // MARK: - Answers

    private func decodeRun(_ response: HTTPResponse, action: String) throws(ApifyError) -> Run {
        do {
            var run = try JSONDecoder().decode(DataEnvelope<Run>.self, from: Data(response.body)).data
            if let range = JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "data", in: response.body) {
                run.json = Array(response.body[range])
            }
            return sanitized(run)
        } catch {
            throw ApifyError(
                kind: .unexpectedResponse,
                message: "\(action): the API answered HTTP \(response.status) with a body that is not a run object",
                status: response.status
            )
        }
    }

    /// The run with every string that may reach a terminal made safe (the raw JSON stays as sent, for `--json`).
    private func sanitized(_ run: Run) -> Run {
        let text = serverText
        var run = run
        run.statusMessage = run.statusMessage.map(text.line)
        run.actId = run.actId.map(text.line)
        run.actorTaskId = run.actorTaskId.map(text.line)
        run.buildNumber = run.buildNumber.map(text.line)
        run.origin = run.origin.map(text.line)
        if let build = run.options?.build { run.options?.build = text.line(build) }
        return run
    }
}

extension RunTarget {
    /// `POST` here starts a run of the target; `GET` lists its runs.
    func runsPath(start: Bool) -> String {
        switch self {
        case .actor(let actor): return "/v2/actors/\(escape(actor.pathComponent))/runs"
        case .task(let task): return "/v2/actor-tasks/\(escape(task.pathComponent))/runs"
        case .resurrection(let runID): return "/v2/actor-runs/\(escape(runID))" + (start ? "/resurrect" : "")
        }
    }
}

/// Percent-encodes a path segment or a query name or value alike.
func escape(_ component: String) -> String {
    percentEncoded(component)
}

extension Duration {
    /// `1.5 s`, for people.
    public var formattedSeconds: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return oneDecimal(seconds) + " s"
    }
}
