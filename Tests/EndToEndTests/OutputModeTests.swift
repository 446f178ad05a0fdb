import ApifyEmulator
import Foundation
import Testing

/// What can be printed instead of the OUTPUT record, and the log stream on stderr.
@Suite struct OutputModeTests {
    static let scraper = """
        [{"id": "testScraper000001", "username": "test", "name": "scraper", "steps": [
            {"log": "Scraping {{input.site|nowhere}}"},
            {"pushItems": [{"url": "https://a.example", "n": 1}, {"url": "https://b.example", "n": 2}]},
            {"log": "Pushed 2 items"}
        ]}]
        """

    @Test func jsonPrintsTheRunObjectUnchanged() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input", "--json"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.last == 0x0A)
            let run = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
            #expect(run["status"] as? String == "SUCCEEDED")
            #expect(run["id"] as? String == (try Harness.runID(in: result)))
            // Byte for byte what the API answered for the run: fetch it again and compare.
            let fetched = try await Harness.fetch("\(server.baseURL)/v2/actor-runs/\(run["id"] as! String)")
            let envelope = String(decoding: fetched.body, as: UTF8.self)
            #expect(envelope == "{\"data\":" + String(decoding: result.stdout.dropLast(), as: UTF8.self) + "}")
        }
    }

    @Test func jsonOfAFailedRunStillExitsOne() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["emulator/fail", "--no-input", "--json"], emulator: server)
            #expect(result.status == 1, "\(result.stderr)")
            let run = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
            #expect(run["status"] as? String == "FAILED")
            #expect(run["exitCode"] as? Int == 1)
        }
    }

    @Test(arguments: [
        ("json", "[{\"n\":1,\"url\":\"https://a.example\"},{\"n\":2,\"url\":\"https://b.example\"}]"),
        ("jsonl", "{\"n\":1,\"url\":\"https://a.example\"}\n{\"n\":2,\"url\":\"https://b.example\"}\n"),
    ])
    func datasetItems(format: String, expected: String) async throws {
        try await Harness.withEmulator(actorsJSON: Self.scraper) { server in
            let result = try await Harness.run(
                ["test/scraper", "--no-input", "--dataset", "--format", format], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let items = await server.recordedRequests().first { $0.path.hasSuffix("/items") }
            #expect(items?.query == "format=\(format)")
            if format == "json" {
                let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]]
                #expect(parsed?.map { $0["n"] as? Int } == [1, 2])
            } else {
                #expect(result.stdoutText == expected)
            }
        }
    }

    @Test func logsStreamToStderrBetweenTheStatusLines() async throws {
        try await Harness.withEmulator(actorsJSON: Self.scraper) { server in
            let result = try await Harness.run(
                ["test/scraper", "-i", #"{"site": "example.com"}"#, "--logs", "--dataset"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stderrLines
            let scraping = try #require(lines.firstIndex { $0.hasSuffix(" Scraping example.com") })
            let pushed = try #require(lines.firstIndex { $0.hasSuffix(" Pushed 2 items") })
            #expect(lines.first?.hasPrefix("actor-run: started run ") == true)
            #expect(scraping > 0 && pushed > scraping)
            #expect(lines.last?.contains(" SUCCEEDED ") == true)
            #expect(!result.stdoutText.contains("Scraping"), "the log must never reach stdout")
        }
    }

    @Test func noLogsByDefaultWhenStderrIsNotATerminal() async throws {
        try await Harness.withEmulator(actorsJSON: Self.scraper) { server in
            let result = try await Harness.run(["test/scraper", "--no-input", "--dataset"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stderr.contains("Scraping"))
            #expect(await server.recordedRequests().allSatisfy { !$0.path.hasSuffix("/log") })
        }
    }

    private static let paged = """
        [{"id": "DatasetPaging0001", "username": "emulator", "name": "paged", "steps": [
          {"pushItems": [{"n": 1, "name": "a", "#debug": 1}, {"n": 2, "name": "b"}, {}, {"n": 3, "name": "c"},
            {"n": 4, "name": "d"}]}
        ]}]
        """

    /// The items endpoint's paging and field options, passed through as the API names them.
    @Test func datasetPagingAndFieldOptions() async throws {
        try await Harness.withEmulator(actorsJSON: Self.paged) { server in
            let page = try await Harness.run(
                [
                    "emulator/paged", "--no-input", "--dataset", "--format", "jsonl", "--offset", "1", "--limit", "3",
                    "--fields", "n",
                ], emulator: server)
            #expect(page.status == 0, "\(page.stderr)")
            #expect(page.stdoutText == "{\"n\":2}\n{}\n{\"n\":3}\n")
            let clean = try await Harness.run(
                ["emulator/paged", "--no-input", "--dataset", "--format", "jsonl", "--clean", "--omit", "name"],
                emulator: server)
            #expect(clean.stdoutText == "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n")
            let query = await server.recordedRequests().last { $0.path.hasSuffix("/items") }?.query
            #expect(query == "format=jsonl&omit=name&clean=1")
        }
    }
}
