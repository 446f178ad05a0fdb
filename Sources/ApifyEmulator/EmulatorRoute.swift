import Foundation
import Hummingbird

/// An endpoint of the emulated API with the values taken from its path.
///
/// Routing is a table of path patterns (``table``) rather than Hummingbird's router, because the API's rules do not
/// fit a router's: `/v2/acts/` and `/v2/actors/` are one endpoint, path segments are matched after percent-decoding
/// (`apify%2Fhello-world` is one segment), and a known path with the wrong method must answer 405 in the API's
/// envelope. New endpoints (issue 3) are new rows.
enum EmulatorRoute: Sendable, Equatable {
    case requestLog
    case currentUser
    case getActor(actor: String)
    case startRun(actor: String)
    /// `actor` is set on the deprecated `/v2/actors/{actor}/runs/{run}` form, where `run` may be `last`.
    case getRun(run: String, actor: String?)
    case abortRun(run: String, actor: String?)
    case runRecord(run: String, key: String)
    case storeRecord(store: String, key: String)
    case runLog(run: String)
    case runDatasetItems(run: String)
    case datasetItems(dataset: String)

    /// What a method and path resolve to.
    enum Match: Sendable, Equatable {
        case route(EmulatorRoute)
        case methodNotAllowed(allowed: [HTTPRequest.Method])
        case notFound
    }

    /// One row of the table: a pattern like `/v2/:acts/:actor/runs`, where `:acts` matches `acts` or `actors` and
    /// other `:name` segments capture a value.
    private struct Row: Sendable {
        let methods: [HTTPRequest.Method]
        let pattern: [Substring]
        let make: @Sendable ([String: String]) -> EmulatorRoute

        init(
            _ methods: [HTTPRequest.Method], _ pattern: String,
            _ make: @escaping @Sendable ([String: String]) -> EmulatorRoute
        ) {
            self.methods = methods
            self.pattern = pattern.split(separator: "/")
            self.make = make
        }

        func captures(_ segments: [String]) -> [String: String]? {
            guard segments.count == pattern.count else { return nil }
            var values: [String: String] = [:]
            for (expected, actual) in zip(pattern, segments) {
                if expected == ":acts" {
                    guard actual == "acts" || actual == "actors" else { return nil }
                } else if expected.hasPrefix(":") {
                    guard !actual.isEmpty else { return nil }
                    values[String(expected.dropFirst())] = actual
                } else if expected != actual {
                    return nil
                }
            }
            return values
        }
    }

    private static let table: [Row] = [
        Row([.get], "/_emulator/requests") { _ in .requestLog },
        Row([.get], "/v2/users/me") { _ in .currentUser },
        Row([.get], "/v2/:acts/:actor") { .getActor(actor: $0["actor"]!) },
        Row([.post], "/v2/:acts/:actor/runs") { .startRun(actor: $0["actor"]!) },
        Row([.get], "/v2/:acts/:actor/runs/:run") { .getRun(run: $0["run"]!, actor: $0["actor"]) },
        Row([.post], "/v2/:acts/:actor/runs/:run/abort") { .abortRun(run: $0["run"]!, actor: $0["actor"]) },
        Row([.get], "/v2/actor-runs/:run") { .getRun(run: $0["run"]!, actor: nil) },
        Row([.post], "/v2/actor-runs/:run/abort") { .abortRun(run: $0["run"]!, actor: nil) },
        Row([.get, .head], "/v2/actor-runs/:run/key-value-store/records/:key") {
            .runRecord(run: $0["run"]!, key: $0["key"]!)
        },
        Row([.get, .head], "/v2/key-value-stores/:store/records/:key") {
            .storeRecord(store: $0["store"]!, key: $0["key"]!)
        },
        Row([.get], "/v2/actor-runs/:run/log") { .runLog(run: $0["run"]!) },
        Row([.get], "/v2/logs/:run") { .runLog(run: $0["run"]!) },
        Row([.get, .head], "/v2/actor-runs/:run/dataset/items") { .runDatasetItems(run: $0["run"]!) },
        Row([.get, .head], "/v2/datasets/:dataset/items") { .datasetItems(dataset: $0["dataset"]!) },
    ]

    /// Resolves a raw (still percent-encoded) path. A trailing slash is ignored; an undecodable segment is 404.
    static func match(method: HTTPRequest.Method, path: String) -> Match {
        var rawSegments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if rawSegments.last == "" { rawSegments = rawSegments.dropLast() }
        var segments: [String] = []
        for raw in rawSegments {
            guard let decoded = raw.removingPercentEncoding else { return .notFound }
            segments.append(decoded)
        }
        var allowed: [HTTPRequest.Method] = []
        for row in table {
            guard let captures = row.captures(segments) else { continue }
            if row.methods.contains(method) {
                return .route(row.make(captures))
            }
            allowed.append(contentsOf: row.methods)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
