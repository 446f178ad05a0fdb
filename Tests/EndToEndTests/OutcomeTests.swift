import ApifyEmulator
import Foundation
import Testing

/// Each way a run or a call can end maps to the contract's exit code, with one clear line on stderr.
@Suite struct OutcomeTests {
    @Test(arguments: [
        ("emulator/fail", Int32(1), "FAILED with exit code 1"),
        ("emulator/abort", Int32(3), "ABORTED"),
    ])
    func endedRuns(actor: String, status: Int32, description: String) async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run([actor, "--no-input"], emulator: server)
            #expect(result.status == status, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            let runID = try Harness.runID(in: result)
            #expect(result.stderrLines.last?.hasPrefix("actor-run: run \(runID) \(description)") == true)
        }
    }

    @Test func runTimeoutIsExitTwo() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["emulator/sleep", "--timeout", "1", "--no-input"], emulator: server)
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines.contains { $0.contains("TIMED-OUT") })
            #expect(await server.recordedRequests().first?.query == "timeout=1&waitForFinish=2")
        }
    }

    @Test func missingRecordIsExitFive() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["emulator/no-output", "--no-input"], emulator: server)
            #expect(result.status == 5, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            let runID = try Harness.runID(in: result)
            #expect(
                result.stderrLines.last == "actor-run: run \(runID) SUCCEEDED but has no record 'OUTPUT' in its"
                    + " default key-value store (try --key with another record, or --dataset)")
        }
    }

    private static let scraper = """
        [{"id": "ItemsNoOutput0001", "username": "emulator", "name": "items", "steps": [
          {"pushItems": [{"url": "a"}, {"url": "b"}, {"url": "c"}]},
          {"record": {"key": "SUMMARY", "json": {"pages": 3}}}
        ]}]
        """

    /// Most actors write a dataset, not OUTPUT: the message says where the results went and how to print them.
    @Test func missingRecordSaysWhatTheRunProduced() async throws {
        try await Harness.withEmulator(actorsJSON: Self.scraper) { server in
            let result = try await Harness.run(["emulator/items", "--no-input"], emulator: server)
            #expect(result.status == 5, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            let last = try #require(result.stderrLines.last)
            #expect(last.hasPrefix("actor-run: run \(runID) SUCCEEDED but has no record 'OUTPUT'"))
            #expect(last.contains("; its dataset has 3 items: print them with `actor-run output \(runID) --dataset`"))
        }
    }

    /// The built-in `emulator/items` is like most Store actors: items, no OUTPUT, an Actor output object.
    @Test func actorOutputObjectIsNamedAndPrinted() async throws {
        try await Harness.withEmulator { server in
            let missing = try await Harness.run(["emulator/items", "--no-input"], emulator: server)
            #expect(missing.status == 5, "\(missing.stderr)")
            let runID = try Harness.runID(in: missing)
            let last = try #require(missing.stderrLines.last)
            #expect(
                last.contains(
                    "it has an Actor output object: print it with `actor-run output \(runID) --output-object`"))
            #expect(last.contains("its dataset has 3 items"))

            let printed = try await Harness.run(["emulator/items", "--no-input", "--output-object"], emulator: server)
            #expect(printed.status == 0, "\(printed.stderr)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(printed.stdout)) as? [String: String])
            let datasetID = try #require(object["datasetId"])
            #expect(object["results"] == "\(server.baseURL)/v2/datasets/\(datasetID)/items")
            #expect(printed.stdoutText.hasSuffix("}\n"))

            let none = try await Harness.run(["apify/hello-world", "--no-input", "--output-object"], emulator: server)
            #expect(none.status == 5)
            #expect(none.stdout.isEmpty)
            #expect(
                none.stderrLines.last?.contains("has no Actor output object (its actor has no output schema)") == true)
            #expect(
                none.stderrLines.last?.contains("it has an OUTPUT record: print it with `actor-run output ") == true)
        }
    }

    /// `--print auto`, for scripts that do not know the actor: the record when there is one, else the items.
    @Test func printAutoTakesTheRecordElseTheItems() async throws {
        try await Harness.withEmulator { server in
            let items = try await Harness.run(["emulator/items", "--no-input", "--print", "auto"], emulator: server)
            #expect(items.status == 0, "\(items.stderr)")
            let parsed = try #require(JSONSerialization.jsonObject(with: Data(items.stdout)) as? [[String: String]])
            #expect(parsed.map { $0["title"] } == ["One", "Two", "Three"])
            let record = try await Harness.run(
                ["apify/hello-world", "--no-input", "--print", "auto"], emulator: server)
            #expect(record.status == 0, "\(record.stderr)")
            #expect(record.stdoutText == "{\"greeting\": \"Hello, world!\"}\n")
        }
    }

    @Test func unknownActorIsExit67() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["nobody/nothing", "--no-input"], emulator: server)
            #expect(result.status == 67, "\(result.stderr)")
            #expect(result.stderrLines.count == 1)
            #expect(result.stderrLines[0].hasPrefix("actor-run: cannot start actor nobody~nothing: "))
            #expect(result.stderrLines[0].hasSuffix("(HTTP 404, record-not-found)"))
        }
    }

    @Test func unknownBuildIsExit67() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--build", "beta", "--no-input"], emulator: server)
            #expect(result.status == 67, "\(result.stderr)")
            #expect(
                result.stderrLines == [
                    "actor-run: cannot start actor apify~hello-world: Build with tag \"beta\" was not found. Has the Actor"
                        + " been built already? (HTTP 403, unknown-build-tag)"
                ])
        }
    }

    @Test func badTokenIsExit77() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input"], emulator: server, token: "wrong-token")
            #expect(result.status == 77, "\(result.stderr)")
            #expect(result.stderrLines.count == 1)
            #expect(result.stderrLines[0].contains("(HTTP 401, user-or-token-not-found)"))
            #expect(!result.stderr.contains("wrong-token"))
        }
    }

    @Test func missingTokenIsExit77BeforeAnyRequest() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input"], emulator: server, token: nil)
            #expect(result.status == 77, "\(result.stderr)")
            #expect(
                result.stderrLines == [
                    "actor-run: no API token: set APIFY_TOKEN, pass --token-file, or run `apify login`"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func tokenWithALineBreakIsRefusedNotSent() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input"], emulator: server, token: "t\r\nX-Evil: 1")
            #expect(result.status == 77, "\(result.stderr)")
            #expect(
                result.stderrLines == [
                    "actor-run: the API token in APIFY_TOKEN contains a space, line break or other control character"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func tokenFromFileAndAuthJSON() async throws {
        try await Harness.withEmulator { server in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
            try Data("\(Harness.token)\n".utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input", "--token-file", file.path], emulator: server,
                token: nil)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == "{\"greeting\": \"Hello, world!\"}\n")
            #expect(await server.recordedRequests().first?.header("Authorization") == "Bearer \(Harness.token)")
        }
    }

    @Test func tokenFromApifyLoginsAuthFile() async throws {
        try await Harness.withEmulator { server in
            let auth = #"{"username": "me", "token": "\#(Harness.token)", "proxy": {"password": "x"}}"#
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input"], emulator: server, token: nil, homeFiles: [".apify/auth.json": auth]
            )
            #expect(result.status == 0, "\(result.stderr)")
            #expect(await server.recordedRequests().first?.header("Authorization") == "Bearer \(Harness.token)")
        }
    }

    /// A broken `~/.apify/auth.json` is not ignored in silence: the user learns why no token was found.
    @Test func malformedAuthFileIsNamed() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input"], emulator: server, token: nil,
                homeFiles: [".apify/auth.json": #"{"token": 12"#])
            #expect(result.status == 77)
            #expect(
                result.stderrLines == [
                    "actor-run: warning: ~/.apify/auth.json is not JSON with a \"token\" string (run `apify login`"
                        + " again); ignoring it",
                    "actor-run: no API token: set APIFY_TOKEN, pass --token-file, or run `apify login`",
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func tokenFlagWorksButWarns() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input", "--token", Harness.token], emulator: server, token: nil)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stderrLines.first
                    == "actor-run: warning: --token is visible to other users in `ps`; prefer APIFY_TOKEN or --token-file"
            )
            #expect(result.stderr.contains(Harness.token) == false)
        }
    }

    @Test func webhooksAreSentBase64Encoded() async throws {
        try await Harness.withEmulator { server in
            let hooks = #"[{"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "requestUrl": "https://example.com/hook"}]"#
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input", "--webhooks", hooks], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let query = try #require(await server.recordedRequests().first?.query)
            let webhooks = try #require(query.split(separator: "&").first)
            let encoded = try #require(webhooks.split(separator: "=", maxSplits: 1).last.map(String.init))
            let decoded = Data(base64Encoded: encoded.removingPercentEncoding ?? encoded)
            #expect(query.hasPrefix("webhooks="))
            #expect(decoded.map { String(decoding: $0, as: UTF8.self) } == hooks)
        }
    }

    @Test func outputFileAppearsWhole() async throws {
        try await Harness.withEmulator { server in
            let directory = try Harness.makeTemporaryDirectory("out")
            defer { try? FileManager.default.removeItem(at: directory) }
            let target = directory.appendingPathComponent("output.json")
            let result = try await Harness.run(
                ["apify/hello-world", "-i", #"{"message":"Bo"}"#, "-o", target.path],
                emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(try Data(contentsOf: target) == Data("{\"greeting\": \"Hello, Bo!\"}\n".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["output.json"])
        }
    }

    @Test func outputPathThatCannotBeWrittenCostsNoRun() async throws {
        try await Harness.withEmulator { server in
            for (path, reason) in [
                ("/nonexistent-dir/out.json", "No such file or directory"), ("/tmp", "it is a directory"),
            ] {
                let result = try await Harness.run(["apify/hello-world", "--no-input", "-o", path], emulator: server)
                #expect(result.status == 73)
                #expect(result.stderrLines == ["actor-run: cannot write output file '\(path)': \(reason)"])
            }
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func outputFileKeepsSymlinksModesAndDevices() async throws {
        try await Harness.withEmulator { server in
            let directory = try Harness.makeTemporaryDirectory("keep")
            defer { try? FileManager.default.removeItem(at: directory) }
            let target = directory.appendingPathComponent("target.json")
            let link = directory.appendingPathComponent("link.json")
            try Data("old".utf8).write(to: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target.path)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
            let result = try await Harness.run(["apify/hello-world", "--no-input", "-o", link.path], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let attributes = try FileManager.default.attributesOfItem(atPath: link.path)
            #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
            #expect(try Data(contentsOf: target) == Data("{\"greeting\": \"Hello, world!\"}\n".utf8))
            let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let null = try await Harness.run(["apify/hello-world", "--no-input", "-o", "/dev/null"], emulator: server)
            #expect(null.status == 0, "\(null.stderr)")
            let full = try await Harness.run(["apify/hello-world", "--no-input", "-o", "/dev/full"], emulator: server)
            #expect(full.status == 73)
            let fullRun = try Harness.runID(in: full)
            #expect(
                full.stderrLines.last == "actor-run: cannot get record OUTPUT: cannot write output file"
                    + " '/dev/full': No space left on device; the run \(fullRun) SUCCEEDED: fetch its output with"
                    + " `actor-run output \(fullRun) -o /dev/full`, not a new run")
            let device = try FileManager.default.attributesOfItem(atPath: "/dev/full")[.type] as? FileAttributeType
            #expect(device == .typeCharacterSpecial)
        }
    }

    @Test func outputFileIsNotCreatedWhenTheRunFails() async throws {
        try await Harness.withEmulator { server in
            let directory = try Harness.makeTemporaryDirectory("out")
            defer { try? FileManager.default.removeItem(at: directory) }
            for (actor, status) in [("emulator/fail", Int32(1)), ("emulator/no-output", 5)] {
                let result = try await Harness.run(
                    [actor, "--no-input", "-o", directory.appendingPathComponent("o").path],
                    emulator: server)
                #expect(result.status == status, "\(result.stderr)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
            }
        }
    }

    @Test func unreachableAPIIsExit69() async throws {
        let result = try await Harness.run(
            ["apify/hello-world", "--no-input", "--api-url", "http://127.0.0.1:9", "--retries", "0"],
            emulator: nil)
        #expect(result.status == 69)
        // libcurl's own words, as curl users know them ("after N ms" varies).
        #expect(result.stderrLines.count == 1)
        #expect(
            result.stderrLines.first?.hasPrefix(
                "actor-run: cannot start actor apify~hello-world: Failed to connect to 127.0.0.1 port 9 after ") == true
        )
        #expect(result.stderrLines.first?.hasSuffix(" ms: Couldn't connect to server") == true)
    }
}
