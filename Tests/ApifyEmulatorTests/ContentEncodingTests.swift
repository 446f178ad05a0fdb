import ApifyEmulator
import Foundation
import Testing

/// Request bodies with `Content-Encoding` (the Python client gzips JSON bodies of 1 KiB or more).
@Suite("Request content encoding")
struct ContentEncodingTests {
    private func start(_ server: EmulatorServer, body base64: String, encoding: String) async throws
        -> LoopbackHTTPClient.Response
    {
        try await LoopbackHTTPClient.request(
            "POST", server.baseURL + "/v2/actors/emulator~echo/runs?waitForFinish=10",
            headers: bearer + [("Content-Type", "application/json"), ("Content-Encoding", encoding)],
            body: Array(Data(base64Encoded: base64)!))
    }

    @Test("gzip and deflate bodies are decoded before they become INPUT; unknown encodings are 415")
    func decodes() async throws {
        try await withEmulator { server in
            let gzip = try await start(
                server, body: "H4sIAAAAAAACA6tWyk0tLk5MT1WyUlCqyiwoSE1RqgUAXUjzvhUAAAA=", encoding: "gzip")
            let gzipID = try #require(gzip.data?["id"] as? String)
            let output = try await get(server, "/v2/actor-runs/\(gzipID)/key-value-store/records/OUTPUT")
            #expect(output.text == #"{"message": "zipped"}"#)
            #expect((gzip.data?["stats"] as? [String: Any])?["inputBodyLen"] as? Int == 21)

            let deflate = try await start(
                server, body: "eJyrVspNLS5OTE9VslJQSklNy0ksSU1RqgUAX7gH+Q==", encoding: "deflate")
            let deflateID = try #require(deflate.data?["id"] as? String)
            let input = try await get(server, "/v2/actor-runs/\(deflateID)/key-value-store/records/INPUT")
            #expect(input.text == #"{"message": "deflated"}"#)

            let broken = try await start(server, body: "AAAA", encoding: "gzip")
            #expect(broken.status == 400)
            let unknown = try await start(server, body: "AAAA", encoding: "compress")
            #expect(unknown.status == 415)
            #expect(unknown.error?["type"] == "unsupported-content-encoding")
        }
    }
}
