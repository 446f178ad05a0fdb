import ApifyEmulator
@_exported import EmulatorTestSupport
import Foundation
import Testing

/// The test token as an Authorization header (the emulator comes from `EmulatorTestSupport.withEmulator`).
let bearer = [("Authorization", "Bearer \(testToken)")]

/// Starts a run with the test token and returns the response (201 expected by callers that go on).
func startRun(
    _ server: EmulatorServer, _ actor: String, query: String = "", input: String? = nil,
    contentType: String = "application/json", prefix: String = "actors"
) async throws -> LoopbackHTTPClient.Response {
    var headers = bearer
    if input != nil { headers.append(("Content-Type", contentType)) }
    let url = "\(server.baseURL)/v2/\(prefix)/\(actor)/runs" + (query.isEmpty ? "" : "?\(query)")
    return try await LoopbackHTTPClient.request("POST", url, headers: headers, body: Array((input ?? "").utf8))
}

/// Starts a run and waits for it to end (the server holds the request), returning the terminal run object.
func runToEnd(
    _ server: EmulatorServer, _ actor: String, query: String = "", input: String? = nil,
    contentType: String = "application/json"
) async throws -> [String: Any] {
    let joined = query.isEmpty ? "waitForFinish=30" : "\(query)&waitForFinish=30"
    let response = try await startRun(server, actor, query: joined, input: input, contentType: contentType)
    try #require(response.status == 201, "start failed: \(response.status) \(response.text)")
    return try #require(response.data)
}

/// GET of a path under the base URL.
func get(
    _ server: EmulatorServer, _ path: String, headers: [(String, String)] = []
) async throws -> LoopbackHTTPClient.Response {
    try await LoopbackHTTPClient.request("GET", server.baseURL + path, headers: headers)
}
