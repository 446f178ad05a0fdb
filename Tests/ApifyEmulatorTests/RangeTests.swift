import ApifyEmulator
import Foundation
import Testing

/// Records honour one `Range: bytes=…` as S3 and the platform do, for stored and generated records alike, so that a
/// client can resume a download the `truncate` fault cut.
@Suite("Record ranges")
struct RangeTests {
    static let generatedSize = 1_000_000
    static let generated = ActorDefinition(
        id: "GeneratedOutput01", username: "me", name: "generated",
        steps: [.record(RecordStep(key: "OUTPUT", source: .generatedBytes(generatedSize)))])

    /// Byte i of a generated (or `emulator/binary`) record.
    private static func pattern(_ range: Range<Int>) -> [UInt8] {
        range.map { UInt8(truncatingIfNeeded: $0) }
    }

    private func output(_ server: EmulatorServer, _ actor: String) async throws -> String {
        let run = try await runToEnd(server, actor)
        let storeID = try #require(run["defaultKeyValueStoreId"] as? String)
        return "/v2/key-value-stores/\(storeID)/records/OUTPUT"
    }

    @Test("bytes=N-, N-M and -K answer 206 with Content-Range; the whole record advertises Accept-Ranges")
    func ranges() async throws {
        try await withEmulator(EmulatorConfiguration(token: testToken, extraActors: [Self.generated])) { server in
            for (actor, size) in [("emulator~binary", 65536), ("me~generated", Self.generatedSize)] {
                let path = try await output(server, actor)
                let whole = try await get(server, path)
                #expect(whole.status == 200)
                #expect(whole.header("Accept-Ranges") == "bytes")
                #expect(whole.body.count == size)
                for (range, expected) in [
                    ("bytes=100-", 100..<size), ("bytes=1000-1009", 1000..<1010), ("bytes=-5", size - 5..<size),
                    ("bytes=300-99999999", 300..<size), ("bytes=-99999999", 0..<size),
                ] {
                    let part = try await get(server, path, headers: [("Range", range)])
                    #expect(part.status == 206, "\(actor) \(range)")
                    let last = expected.upperBound - 1
                    #expect(part.header("Content-Range") == "bytes \(expected.lowerBound)-\(last)/\(size)")
                    #expect(part.header("Content-Length") == String(expected.count))
                    #expect(part.header("Accept-Ranges") == "bytes")
                    #expect(part.body == Self.pattern(expected), "\(actor) \(range)")
                }
            }
        }
    }

    @Test("a range past the end answers 416 with Content-Range bytes */TOTAL; unusable Range headers are ignored")
    func unsatisfiableAndIgnored() async throws {
        try await withEmulator { server in
            let path = try await output(server, "emulator~binary")
            for range in ["bytes=65536-", "bytes=70000-70010", "bytes=-0"] {
                let reply = try await get(server, path, headers: [("Range", range)])
                #expect(reply.status == 416, "\(range)")
                #expect(reply.header("Content-Range") == "bytes */65536")
                #expect(reply.error?["type"] == "invalid-header")
            }
            for range in ["bytes=0-1,5-6", "items=0-5", "bytes=9-2", "bytes=x-", "bytes=-"] {
                let reply = try await get(server, path, headers: [("Range", range)])
                #expect(reply.status == 200, "\(range)")
                #expect(reply.body.count == 65536)
                #expect(reply.header("Content-Range") == nil)
            }
        }
    }

    @Test("truncate cuts only the matched attempt: the client resumes with a range and gets the rest")
    func resumeAfterTruncate() async throws {
        let configuration = EmulatorConfiguration(
            token: testToken, extraActors: [Self.generated],
            faults: try FaultRule.parse("GET /v2/key-value-stores/*/records/*: truncate bytes=300000"))
        try await withEmulator(configuration) { server in
            let path = try await output(server, "me~generated")
            let cut = try await LoopbackHTTPClient.raw("GET", server.baseURL + path)
            #expect(cut.bodyBytes == 300_000)
            let rest = try await get(server, path, headers: [("Range", "bytes=\(cut.bodyBytes)-")])
            #expect(rest.status == 206)
            #expect(rest.header("Content-Range") == "bytes 300000-999999/\(Self.generatedSize)")
            let separator = try #require(cut.bytes.firstRange(of: Array("\r\n\r\n".utf8)))
            #expect(Array(cut.bytes[separator.upperBound...]) + rest.body == Self.pattern(0..<Self.generatedSize))
            let faults = await server.recordedRequests().filter { $0.path == path }.map { $0.fault != nil }
            #expect(faults == [true, false])
        }
    }
}
