import ApifyEmulator

/// The token every test emulator accepts unless a test says otherwise.
public let testToken = "test-token-123"

/// Runs `body` against a fresh emulator on a loopback port and stops it afterwards, also when the body throws: the
/// one way every test suite (emulator, libcurl wrapper, end-to-end) gets a server.
@discardableResult
public func withEmulator<T>(
    _ configuration: EmulatorConfiguration = EmulatorConfiguration(token: testToken),
    _ body: (EmulatorServer) async throws -> T
) async throws -> T {
    let server = try await EmulatorServer.start(configuration)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Returns once the emulator has recorded a request that `matches` (requests are recorded as they arrive, before
/// any answer): how a test knows that a request is in flight, instead of sleeping and hoping.
public func requestArrived(
    at server: EmulatorServer, _ matches: @Sendable (RecordedRequest) -> Bool
) async throws {
    while !(await server.recordedRequests().contains(where: matches)) {
        try await Task.sleep(for: .milliseconds(5))
    }
}
