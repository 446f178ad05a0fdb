import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP entry point: collects the body, records the request, applies injected faults, routes it, and turns
/// every failure into the API's error envelope (including unknown paths and wrong methods, which Hummingbird would
/// answer in plain text).
struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorRequestContext

    let api: EmulatorAPI
    let faults: FaultInjector
    /// Per-resource limits (nil: `--no-rate-limit`).
    let rateLimiter: RateLimiter?
    /// Writes one line a request to stderr.
    let logsRequests: Bool

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        var body: [UInt8] = []
        var bodyLength = 0
        // Read the whole body even past the limit, so the client gets its 413 instead of a reset connection.
        for try await buffer in request.body {
            bodyLength += buffer.readableBytes
            if bodyLength <= RequestLimits.maxInputBytes {
                body.append(contentsOf: buffer.readableBytesView)
            }
        }
        let path = request.uri.path
        let match = EmulatorRoute.match(method: request.method, path: path)
        var fault: FaultRule?
        var isInNotFoundWindow = false
        if faults.hasRules, match != .route(.requestLog) {
            (fault, isInNotFoundWindow) = await findFault(method: request.method, path: path, match: match)
        }
        if match != .route(.requestLog) {
            await api.requestLog.append(
                RecordedRequest(
                    method: request.method.rawValue,
                    path: path,
                    query: request.uri.query,
                    headers: request.headers.map { [$0.name.rawName, $0.value] },
                    bodyLength: bodyLength,
                    fault: isInNotFoundWindow ? "404-after-start" : fault?.description
                ), on: context.channel)
        }
        var decodingError: APIError?
        if let encoding = request.headers[.contentEncoding], bodyLength <= RequestLimits.maxInputBytes {
            switch ContentDecoding.decode(body, encoding: encoding) {
            case .success(let decoded): body = decoded
            case .failure(let error): decodingError = error
            }
        }
        let apiRequest = APIRequest(
            method: request.method, headers: request.headers, rawQuery: request.uri.query, body: body,
            isBodyTooLarge: bodyLength > RequestLimits.maxInputBytes)
        var response: Response
        var rateLimit: (resource: String, limit: Int)?
        if let rateLimiter, case .route(let route) = match {
            rateLimit = route.rateLimit(rateLimiter.limits)
        }
        if case .closeBefore = fault?.action {
            // Nothing is processed; the response below is never sent.
            try? await context.channel.close()
            return Response(status: .ok)
        } else if case .status(let code) = fault?.action {
            response = Self.injectedError(code, retryAfter: fault?.retryAfterSecs)
        } else if case .echoHeaders = fault?.action {
            response = InjectedBodies.echoedHeaders(request)
        } else if isInNotFoundWindow {
            response = APIError.runNotFound.response
        } else if let rateLimit, rateLimiter?.admit(resource: rateLimit.resource, limit: rateLimit.limit) == false {
            response = APIError.rateLimitExceeded(rateLimit.limit).response
        } else if let decodingError, case .route = match {
            response = decodingError.response
        } else {
            response = await route(match, apiRequest)
        }
        response = await Self.replacingBody(of: response, for: fault?.action, api: api, channel: context.channel)
        if let rateLimiter, path.hasPrefix("/v2/") {
            // Every answer of the API carries its limit, as the platform's do.
            let limit = rateLimit?.limit ?? rateLimiter.limits.perResource
            response.headers[HTTPField.Name("X-RateLimit-Limit")!] = String(limit)
        }
        if request.method == .head {
            response = response.createHeadResponse()
        }
        switch fault?.action {
        case .delay(let milliseconds):
            try? await Task.sleep(for: .milliseconds(milliseconds))
        case .closeAfter:
            // Processed (a run really started); the client gets no answer.
            try? await context.channel.close()
        case .truncate(let bytes):
            response = Self.truncated(response, bytes: bytes, channel: context.channel)
        default:
            break
        }
        if logsRequests {
            let elapsed = ContinuousClock.now - started
            let millis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            let query = request.uri.query.map { "?" + Self.redactingToken($0) } ?? ""
            let note = fault.map { " [fault \($0)]" } ?? (isInNotFoundWindow ? " [fault 404-after-start]" : "")
            let line = "\(request.method.rawValue) \(path)\(query) → \(response.status.code) (\(millis) ms)\(note)\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        return response
    }

    private func route(_ match: EmulatorRoute.Match, _ request: APIRequest) async -> Response {
        do {
            switch match {
            case .route(let route):
                return try await api.respond(to: route, request: request)
            case .methodNotAllowed(let allowed):
                return APIError.methodNotAllowed(allowed: allowed).response
            case .notFound:
                return APIError.pageNotFound.response
            }
        } catch {
            return error.response
        }
    }

    /// The counted fault for this request, and whether it falls in a 404-after-start window (a GET of a run by ID
    /// started less than the window ago).
    private func findFault(
        method: HTTPRequest.Method, path: String, match: EmulatorRoute.Match
    ) async -> (FaultRule?, Bool) {
        var actorID: String?
        var inWindow = false
        if case .route(let route) = match {
            actorID = await api.subjectActorID(of: route)
            if method == .get, case .id(let runID) = route.runReference,
                let window = await faults.notFoundWindow(method: method.rawValue, path: path, actorID: actorID),
                let run = await api.state.run(id: runID)
            {
                inWindow = Date().timeIntervalSince(run.startedAt) * 1000 < Double(window)
            }
        }
        if inWindow { return (nil, true) }
        return (await faults.hit(method: method.rawValue, path: path, actorID: actorID), false)
    }

    /// The processed answer with the body a body fault sends instead (`trickle`, `oversize`, `gzip-bomb`, `mangle`,
    /// `reset-after`); other answers unchanged.
    private static func replacingBody(
        of response: Response, for action: FaultRule.Action?, api: EmulatorAPI, channel: any Channel
    ) async -> Response {
        switch action {
        case .trickle(let milliseconds):
            return InjectedBodies.trickled(response, milliseconds: milliseconds, stopFlag: api.stopFlag)
        case .oversize(let bytes):
            return await InjectedBodies.oversized(response, bytes: bytes, stopFlag: api.stopFlag)
        case .gzipBomb(let bytes):
            return await InjectedBodies.gzipBomb(response, bytes: bytes, stopFlag: api.stopFlag)
        case .mangle(let kind):
            return await InjectedBodies.mangled(response, kind)
        case .resetAfter(let bytes):
            let limit = response.body.contentLength.map { min(bytes, max(0, $0 - 1)) } ?? bytes
            return cut(response, after: limit, resets: true, channel: channel)
        default:
            return response
        }
    }

    /// 429 `rate-limit-exceeded` or a 5xx, with `Retry-After` when the rule gives one.
    private static func injectedError(_ code: Int, retryAfter: Int?) -> Response {
        let error =
            code == 429
            ? APIError(
                status: .tooManyRequests, type: "rate-limit-exceeded",
                message: "You have exceeded the rate limit. Please try again later.")
            : APIError(
                status: HTTPResponse.Status(code: code), type: "internal-server-error",
                message: "Internal server error (fault injected by the emulator)")
        var response = error.response
        if let retryAfter {
            response.headers[.retryAfter] = String(retryAfter)
        }
        return response
    }

    /// The same head (its `Content-Length` still promising the whole body), then `bytes` of the body (default
    /// half), then the connection closes.
    private static func truncated(_ response: Response, bytes: Int?, channel: any Channel) -> Response {
        let length = response.body.contentLength ?? 0
        return cut(response, after: max(0, min(bytes ?? length / 2, length - 1)), resets: false, channel: channel)
    }

    /// The same head, then `limit` bytes of the body, then the connection closes (or resets).
    private static func cut(_ response: Response, after limit: Int, resets: Bool, channel: any Channel) -> Response {
        var response = response
        let original = response.body
        response.body = ResponseBody(contentLength: original.contentLength) { writer in
            try await original.write(
                TruncatingBodyWriter(base: writer, remaining: limit, channel: channel, resets: resets))
        }
        return response
    }

    /// A query string with the `token` value hidden: request lines end up in CI logs.
    static func redactingToken(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            pair.hasPrefix("token=") ? "token=***" : String(pair)
        }.joined(separator: "&")
    }
}
