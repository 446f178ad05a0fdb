import Testing

@testable import ActorRunCLI

/// What the connection flags make of URLs, CA bundles and retry limits.
@Suite struct ConnectionTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080", false), ("http://localhost:3000", false), ("http://[::1]:9", false),
        ("https://api.apify.com", false), ("http://api.example.com", true), ("HTTP://proxy.example.com:80", true),
    ])
    func plainHTTPOffThisMachineIsWarnedAbout(url: String, warns: Bool) {
        #expect((ConnectionFlags.plainHTTPWarning(for: url) != nil) == warns)
    }

    @Test func retryLimitsAreParsedAndBounded() throws {
        let flags = try ConnectionFlags.parse(["--retry-max-time", "2.5", "--request-timeout", "7", "--retries", "0"])
        #expect(flags.retryMaxTime == 2.5)
        #expect(flags.requestTimeout == 7)
        #expect(throws: (any Error).self) { try ConnectionFlags.parse(["--retry-max-time", "-1"]) }
        #expect(throws: (any Error).self) { try ConnectionFlags.parse(["--request-timeout", "0"]) }
    }

    @Test func anUnreadableCABundleIsRefusedBeforeAnyRequest() throws {
        let flags = try ConnectionFlags.parse(["--cacert", "/nonexistent/ca.pem"])
        #expect(throws: CommandFailure.self) {
            _ = try flags.session(reporter: Reporter(isQuiet: true), isVerbose: false)
        }
        let environment = try ConnectionFlags.parse([])
        #expect(throws: Never.self) {
            _ = try environment.session(reporter: Reporter(isQuiet: true), isVerbose: false)
        }
    }
}
