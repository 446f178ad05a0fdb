import ApifyEmulator
import Foundation
import Testing

/// The built `actor-run` over the real wire's protocols: HTTPS to an emulator with a CA of its own, HTTP/2 by ALPN
/// (as `api.apify.com` speaks), certificate verification, a redirect, and a CONNECT proxy.
@Suite struct TLSTests {
    static let helloArguments = ["apify/hello-world", "-i", #"{"message": "Ada"}"#]
    static let helloOutput = "{\"greeting\": \"Hello, Ada!\"}\n"

    @Test func coreRunOverHTTPSWithCacert() async throws {
        try await Harness.withEmulator(tls: true) { server in
            let ca = try #require(server.caFilePath)
            #expect(server.baseURL == "https://127.0.0.1:\(server.port)")
            let result = try await Harness.run(Self.helloArguments + ["--cacert", ca], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.helloOutput)
            let requests = await server.recordedRequests()
            _ = try Harness.pollsBetweenStartAndRecord(requests, runID: try Harness.runID(in: result))
            // libcurl offers h2 by ALPN and the emulator takes it, as the platform does; every request after the
            // start goes on the same connection.
            #expect(requests.allSatisfy { $0.httpVersion == "2" })
            #expect(Set(requests.map(\.connection)).count == 1)
        }
    }

    @Test func theCAFileIsWrittenAndATemporaryOneRemovedAtStop() async throws {
        let chosen = try await EmulatorServer.start(EmulatorConfiguration(token: Harness.token, tls: TLSOptions()))
        let temporary = try #require(chosen.caFilePath)
        #expect(try String(contentsOfFile: temporary, encoding: .utf8) == chosen.caCertificatePEM)
        #expect(chosen.caCertificatePEM?.hasPrefix("-----BEGIN CERTIFICATE-----\n") == true)
        await chosen.stop()
        #expect(!FileManager.default.fileExists(atPath: temporary))

        let directory = try Harness.makeTemporaryDirectory("tls-ca")
        defer { try? FileManager.default.removeItem(at: directory) }
        let named = directory.appendingPathComponent("ca.pem").path
        let server = try await EmulatorServer.start(
            EmulatorConfiguration(token: Harness.token, tls: TLSOptions(caFilePath: named)))
        #expect(server.caFilePath == named)
        await server.stop()
        // A file the user named stays: a CI script may still be pointing a client at it.
        #expect(try String(contentsOfFile: named, encoding: .utf8) == server.caCertificatePEM)
    }

    @Test func plainHTTPIsLoggedAsHTTP1OnAKeptAliveConnection() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(Self.helloArguments, emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(server.caFilePath == nil)
            let requests = await server.recordedRequests()
            _ = try Harness.pollsBetweenStartAndRecord(requests, runID: try Harness.runID(in: result))
            #expect(requests.allSatisfy { $0.httpVersion == "1.1" && $0.connection == 1 })
        }
    }

    @Test(arguments: ["SSL_CERT_FILE", "CURL_CA_BUNDLE"])
    func caBundleFromTheEnvironment(variable: String) async throws {
        try await Harness.withEmulator(tls: true) { server in
            let ca = try #require(server.caFilePath)
            let result = try await Harness.run(Self.helloArguments, emulator: server, environment: [variable: ca])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.helloOutput)
        }
    }

    /// A CA file that is not PEM is refused before any request, with what to give instead (libcurl would only
    /// say "error setting certificate file").
    @Test func aCAFileThatIsNotPEMIsRefusedUpFront() async throws {
        try await Harness.withEmulator(tls: true) { server in
            let directory = try Harness.makeTemporaryDirectory("ca")
            defer { try? FileManager.default.removeItem(at: directory) }
            let bad = directory.appendingPathComponent("ca.der")
            try Data([0x30, 0x82, 0x01, 0x0A]).write(to: bad)
            let result = try await Harness.run(Self.helloArguments + ["--cacert", bad.path], emulator: server)
            #expect(result.status == 66, "\(result.stderr)")
            #expect(
                result.stderrLines == [
                    "actor-run: the CA certificates '\(bad.path)' (--cacert) hold no PEM certificate"
                        + " (-----BEGIN CERTIFICATE-----); give the CA in PEM form"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    /// A bundle whose first certificate comes late (after comments or CRLs): one whose marker straddles the 64 KiB
    /// the check reads at a time, and one larger than any input file may be. Both are PEM, and both work.
    @Test(arguments: [65_530, 10_000_000])
    func aCertificateFarIntoTheBundleIsFound(preambleBytes: Int) async throws {
        try await Harness.withEmulator(tls: true) { server in
            let directory = try Harness.makeTemporaryDirectory("ca")
            defer { try? FileManager.default.removeItem(at: directory) }
            let bundle = directory.appendingPathComponent("bundle.pem")
            let comment = Array("# a comment line before the certificates\n".utf8)
            var bytes = (0..<preambleBytes).map { comment[$0 % comment.count] }
            bytes[bytes.count - 1] = 0x0A  // the certificate starts a line of its own, as PEM needs
            bytes += Array(try #require(server.caCertificatePEM).utf8)
            try Data(bytes).write(to: bundle)
            let result = try await Harness.run(Self.helloArguments + ["--cacert", bundle.path], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.helloOutput)
        }
    }

    /// https:// to a server that speaks plain HTTP: one sentence with the fix, not OpenSSL's words alone.
    @Test func httpsToAPlainHTTPServerSaysWhatToCheck() async throws {
        try await Harness.withEmulator { server in
            let url = "https://" + server.baseURL.dropFirst("http://".count)
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input", "--api-url", url, "--retries", "0"], emulator: nil)
            #expect(result.status == 69, "\(result.stderr)")
            #expect(
                result.stderrLines.last?.contains(
                    "the TLS handshake with the API failed; check that --api-url names an https server (") == true,
                "\(result.stderr)")
        }
    }

    @Test func withoutTheCAItFailsWithOneCertificateLine() async throws {
        try await Harness.withEmulator(tls: true) { server in
            let result = try await Harness.run(Self.helloArguments, emulator: server)
            // The API could not be reached (safely): 69, as for any other network failure, not 77, which is about
            // the token.
            #expect(result.status == 69, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines.count == 1, "\(result.stderr)")
            let line = try #require(result.stderrLines.first)
            // libcurl's own reason in the middle (its wording is OpenSSL's), the fix at the end.
            #expect(
                line.hasPrefix(
                    "actor-run: cannot start actor apify~hello-world: the API's TLS certificate is not trusted ("),
                "\(line)")
            #expect(line.hasSuffix("); if your own CA signed it, pass that CA with --cacert FILE"), "\(line)")
            // Nothing got past the handshake: no run was started.
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func logStreamSharesOneHTTP2ConnectionWithTheLongPoll() async throws {
        try await Harness.withEmulator(tls: true) { server in
            let ca = try #require(server.caFilePath)
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 3}"#, "--logs", "--cacert", ca], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == "{\"slept\": 3}\n")
            #expect(result.stderr.contains("Sleeping for 3 s"), "\(result.stderr)")
            let requests = await server.recordedRequests()
            let log = try #require(requests.first { $0.path.hasSuffix("/log") && $0.query == "stream=1" })
            let poll = try #require(
                requests.first { $0.path.hasPrefix("/v2/actor-runs/") && ($0.query ?? "").contains("waitForFinish=") },
                "\(requests.map { "\($0.method) \($0.path)?\($0.query ?? "")" })")
            #expect(log.httpVersion == "2")
            #expect(poll.httpVersion == "2")
            #expect(log.connection == poll.connection, "\(requests.map { "\($0.connection) \($0.path)" })")
            #expect(Set(requests.map(\.connection)).count == 1)
        }
    }

    @Test func recordRedirectOverHTTPS() async throws {
        try await Harness.withEmulator(tls: true) { server in
            let ca = try #require(server.caFilePath)
            let result = try await Harness.run(["emulator/redirect", "--no-input", "--cacert", ca], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == "{\"redirected\": true}\n")
            let requests = await server.recordedRequests()
            let redirected = try #require(requests.first { $0.path.hasSuffix("/records/OUTPUT") && $0.query == nil })
            let signed = try #require(requests.first { ($0.query ?? "").contains("signature=") })
            // The redirect goes to https://localhost:PORT (the server speaks nothing else): another host name, so
            // another connection, verified against the same CA, and without the token.
            #expect(signed.connection != redirected.connection)
            #expect(signed.httpVersion == "2")
            #expect(signed.header("Authorization") == nil)
        }
    }

    @Test func throughAConnectProxy() async throws {
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        try await Harness.withEmulator(tls: true) { server in
            let ca = try #require(server.caFilePath)
            let result = try await Harness.run(
                Self.helloArguments + ["--cacert", ca], emulator: server,
                environment: ["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.helloOutput)
            // libcurl does not pass loopback by the proxy unless NO_PROXY says so: every byte went through it.
            #expect(proxy.requestLines == ["CONNECT 127.0.0.1:\(server.port) HTTP/1.1"])
            #expect(await server.recordedRequests().count == 2)
        }
    }
}
