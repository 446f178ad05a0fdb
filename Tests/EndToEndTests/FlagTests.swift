import ApifyEmulator
import Foundation
import Testing

/// Flags that would be silently ignored or contradict each other are usage errors (64) naming them; `--json`
/// always prints one JSON object; the API URL is normalised or refused before anything is sent.
@Suite struct FlagTests {
    @Test(arguments: [
        (["apify/hello-world", "--format", "csv"], "--format applies to the dataset's items; it needs --dataset"),
        (["apify/hello-world", "--detach", "--dataset"], "it cannot be combined with --dataset"),
        (["apify/hello-world", "--detach", "-k", "OTHER"], "it cannot be combined with --key"),
        (["apify/hello-world", "--detach", "--logs"], "it cannot be combined with --logs"),
        (["apify/hello-world", "--detach", "--wait", "1m"], "it cannot be combined with --wait"),
        (["apify/hello-world", "-q", "-v"], "--quiet and --verbose contradict each other; use one"),
        (["apify/hello-world", "-i", "{}", "-i", "{\"a\": 1}"], "--input was given 2 times; give the input once"),
        (["output", "AbCdEfGhIjKlMnOpQ", "--logs"], "`output` does not wait"),
        (["list"], "'list' is not a command, and not an actor"),
        (["apify/hello-world", "--dataset", "--print", "auto"], "--dataset and --print auto ask for different output"),
        (["apify/hello-world", "--output-object", "-k", "X"], "--output-object prints no record"),
        (["apify/hello-world", "--detach", "--output-object"], "it cannot be combined with --output-object"),
        (["ouput", "AbCdEfGhIjKlMnOpQ"], "Did you mean 'output'?"),
        (["apify/hello-world", "--memory", "-512"], "The value '-512' is invalid for '--memory <mb>'"),
        (["apify/hello-world", "--bogus"], "Unknown option '--bogus' (see actor-run help run)"),
    ])
    func contradictionsAreUsageErrors(arguments: [String], message: String) async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(arguments, emulator: server)
            #expect(result.status == 64, "\(result.stderr)")
            #expect(result.stderrLines.count == 1)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    /// `help <command>` and `<command> --help` print that command's help on stdout, with EXAMPLES and EXIT STATUS.
    @Test(arguments: [["help", "output"], ["output", "--help"], ["help", "run"], ["--help"]])
    func helpForEachCommand(arguments: [String]) async throws {
        let result = try await Harness.run(arguments, emulator: nil)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdoutText.contains("\nEXAMPLES\n  "))
        #expect(result.stdoutText.contains("\nEXIT STATUS\n  0 "))
        let command = arguments.count == 2 ? arguments.first { $0 != "help" }! : nil
        #expect(result.stdoutText.contains("USAGE: actor-run \(command.map { $0 == "run" ? "[run]" : $0 } ?? "[run]")"))
    }

    @Test(arguments: ["%@/v2", "%@/", "%@/v2/", "HTTP://%@"])
    func apiURLFormsAreNormalised(form: String) async throws {
        try await Harness.withEmulator { server in
            let host = String(server.baseURL.dropFirst("http://".count))
            let url = form.replacingOccurrences(of: "%@", with: form.hasPrefix("HTTP") ? host : server.baseURL)
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input", "--api-url", url], emulator: nil)
            #expect(result.status == 0, "\(url): \(result.stderr)")
            #expect(result.stdoutText == "{\"greeting\": \"Hello, world!\"}\n")
            #expect(
                await server.recordedRequests().allSatisfy { $0.path.hasPrefix("/v2/") && !$0.path.hasPrefix("/v2/v2") }
            )
        }
    }

    @Test(arguments: [
        ("http://127.0.0.1:99999", "has a port out of 1-65535"), ("https://api.apify.com?x=1", "query"),
        ("ftp://api.apify.com", "must start with http:// or https://"),
        ("https://api.apify.com/v1", "scheme, host and port only"),
    ])
    func badAPIURLsAreRefusedUpFront(url: String, reason: String) async throws {
        let result = try await Harness.run(["apify/hello-world", "--no-input", "--api-url", url], emulator: nil)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.contains(reason), "\(result.stderr)")
    }

    /// `--json` on exit 4 and with `--detach`: one JSON object, the run, so `| jq` works.
    @Test func jsonIsAlwaysOneObject() async throws {
        try await Harness.withEmulator { server in
            let waited = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 10}"#, "--json", "--wait", "1s"], emulator: server)
            #expect(waited.status == 4, "\(waited.stderr)")
            let running = try JSONSerialization.jsonObject(with: Data(waited.stdout)) as? [String: Any]
            #expect(running?["status"] as? String == "RUNNING")
            let detached = try await Harness.run(
                ["apify/hello-world", "--no-input", "--json", "--detach"], emulator: server)
            #expect(detached.status == 0, "\(detached.stderr)")
            let started = try JSONSerialization.jsonObject(with: Data(detached.stdout)) as? [String: Any]
            #expect(started?["id"] as? String == (try Harness.runID(in: detached)))
        }
    }
}
