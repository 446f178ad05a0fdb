import ApifyEmulator
import Foundation
import Testing

/// A 1 GiB record streams through loopback while the process's resident memory stays bounded.
///
/// The emulator runs in the test process, so the process's own `VmHWM` (peak resident set, reset first through
/// `/proc/self/clear_refs`) bounds the emulator's. The reader throws the bytes away as they arrive.
///
/// It runs alone (`make test` runs it as a step of its own with `ACTOR_RUN_STRESS=1`): beside the parallel suite,
/// other tests' memory would count in the peak, and its two busy cores would skew their timing.
@Suite("Large records", .serialized, .enabled(if: ProcessInfo.processInfo.environment["ACTOR_RUN_STRESS"] != nil))
struct LargeRecordTests {
    static let gibibyte = 1 << 30

    static let huge = ActorDefinition(
        id: "HugeOutput0000001", username: "me", name: "huge",
        steps: [.record(RecordStep(key: "OUTPUT", source: .generatedBytes(gibibyte)))])

    /// A field of `/proc/self/status` in kB, nil where there is no procfs.
    private static func status(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
    }

    @Test("a 1 GiB generated record streams whole with resident memory growing by less than 100 MB")
    func gibibyteStreams() async throws {
        try await withEmulator(EmulatorConfiguration(token: testToken, extraActors: [Self.huge])) { server in
            let run = try await runToEnd(server, "me~huge")
            let runID = try #require(run["id"] as? String)
            // Reset the peak so that it measures this transfer only.
            try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
            let before = Self.status("VmRSS")
            let (head, bodyBytes) = try await LoopbackHTTPClient.drain(
                server.baseURL + "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT")
            #expect(head.hasPrefix("HTTP/1.1 200"))
            #expect(head.lowercased().contains("content-length: \(Self.gibibyte)"))
            #expect(bodyBytes == Self.gibibyte)
            if let before, let peak = Self.status("VmHWM") {
                #expect(peak - before < 100 * 1024, "VmRSS before \(before) kB, peak during transfer \(peak) kB")
            }
        }
    }

    @Test("oversize=1GiB and gzip-bomb=1GiB stream with resident memory growing by less than 100 MB")
    func hostileBodiesStream() async throws {
        let spec = "GET /v2/users/me: oversize=\(Self.gibibyte); GET /v2/users/me: gzip-bomb=\(Self.gibibyte) skip=1"
        let configuration = EmulatorConfiguration(token: testToken, faults: try FaultRule.parse(spec))
        try await withEmulator(configuration) { server in
            try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
            let before = Self.status("VmRSS")
            let (head, bodyBytes) = try await LoopbackHTTPClient.drain(server.baseURL + "/v2/users/me", headers: bearer)
            #expect(head.lowercased().contains("content-length: \(Self.gibibyte)"))
            #expect(bodyBytes == Self.gibibyte)
            let (bombHead, bombBytes) = try await LoopbackHTTPClient.drain(
                server.baseURL + "/v2/users/me", headers: bearer)
            #expect(bombHead.lowercased().contains("content-encoding: gzip"))
            #expect(bombBytes < Self.gibibyte / 500)
            if let before, let peak = Self.status("VmHWM") {
                #expect(peak - before < 100 * 1024, "VmRSS before \(before) kB, peak during transfers \(peak) kB")
            }
        }
    }
}
