import Foundation
import Hummingbird

/// The HTTP entry point: collects the body, records the request, routes it, and turns every failure into the
/// API's error envelope (including unknown paths and wrong methods, which Hummingbird would answer in plain text).
struct EmulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let api: EmulatorAPI
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
        if match != .route(.requestLog) {
            await api.requestLog.append(
                RecordedRequest(
                    method: request.method.rawValue,
                    path: path,
                    query: request.uri.query,
                    headers: request.headers.map { [$0.name.rawName, $0.value] },
                    bodyLength: bodyLength
                ))
        }
        let apiRequest = APIRequest(
            method: request.method, headers: request.headers, rawQuery: request.uri.query, body: body,
            isBodyTooLarge: bodyLength > RequestLimits.maxInputBytes)
        var response: Response
        do {
            switch match {
            case .route(let route):
                response = try await api.respond(to: route, request: apiRequest)
            case .methodNotAllowed(let allowed):
                response = APIError.methodNotAllowed(allowed: allowed).response
            case .notFound:
                response = APIError.pageNotFound.response
            }
        } catch {
            response = error.response
        }
        if request.method == .head {
            response = response.createHeadResponse()
        }
        if logsRequests {
            let elapsed = ContinuousClock.now - started
            let millis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            let query = request.uri.query.map { "?" + Self.redactingToken($0) } ?? ""
            let line = "\(request.method.rawValue) \(path)\(query) → \(response.status.code) (\(millis) ms)\n"
            FileHandle.standardError.write(Data(line.utf8))
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
