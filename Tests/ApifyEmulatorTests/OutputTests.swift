import ApifyEmulator
import Foundation
import Testing

/// Dataset items (formats, filters, pagination headers), storage objects, log streaming and the sync endpoints.
@Suite("Outputs: dataset items, log stream, run-sync")
struct OutputTests {
    static let items = ActorDefinition(
        id: "ItemsActor0000001", username: "me", name: "items",
        steps: [
            .pushItems([
                .object([.init("a", 1), .init("b", "x,y"), .init("#hidden", true)]),
                .object([]),
                .object([.init("a", 3), .init("c", .object([.init("d", .null)]))]),
            ]),
            .log("pushed"),
        ])

    static let slowLogger = ActorDefinition(
        id: "SlowLogger0000001", username: "me", name: "slow-logger",
        steps: [.log("one"), .sleep(.seconds(0.3)), .log("two"), .sleep(.seconds(0.3)), .log("three")])

    private var configuration: EmulatorConfiguration {
        EmulatorConfiguration(token: testToken, extraActors: [Self.items, Self.slowLogger])
    }

    @Test("json, jsonl and csv with the pagination headers; offset, limit, desc, clean, fields and omit")
    func formats() async throws {
        try await withEmulator(configuration) { server in
            let run = try await runToEnd(server, "me~items")
            let datasetID = try #require(run["defaultDatasetId"] as? String)
            let runID = try #require(run["id"] as? String)

            let json = try await get(server, "/v2/datasets/\(datasetID)/items")
            #expect(json.text == ##"[{"a":1,"b":"x,y","#hidden":true},{},{"a":3,"c":{"d":null}}]"##)
            #expect(json.header("Content-Type") == "application/json; charset=utf-8")
            #expect(json.header("X-Apify-Pagination-Total") == "3")
            #expect(json.header("X-Apify-Pagination-Count") == "3")
            #expect(json.header("X-Apify-Pagination-Limit") == "999999999999")
            #expect(json.header("X-Apify-Pagination-Desc") == "false")

            let page = try await get(server, "/v2/actor-runs/\(runID)/dataset/items?offset=1&limit=5&desc=true&clean=1")
            #expect(page.text == #"[{"a":1,"b":"x,y"}]"#)
            #expect(page.header("X-Apify-Pagination-Offset") == "1")
            #expect(page.header("X-Apify-Pagination-Limit") == "5")
            // Rows scanned (the empty one and the first), not items left after `clean`: as the platform counts.
            #expect(page.header("X-Apify-Pagination-Count") == "2")
            #expect(page.header("X-Apify-Pagination-Total") == "3")
            #expect(page.header("X-Apify-Pagination-Desc") == "true")

            let jsonl = try await get(server, "/v2/datasets/\(datasetID)/items?format=jsonl&fields=a&skipEmpty=1")
            #expect(jsonl.text == "{\"a\":1}\n{\"a\":3}\n")
            #expect(jsonl.header("Content-Type") == "application/jsonl; charset=utf-8")

            let csv = try await get(server, "/v2/datasets/\(datasetID)/items?format=csv&clean=true&omit=c")
            #expect(csv.body.starts(with: [0xEF, 0xBB, 0xBF]))
            #expect(String(decoding: csv.body.dropFirst(3), as: UTF8.self) == "a,b\n1,\"x,y\"\n3,\n")
            #expect(csv.header("Content-Type") == "text/csv; charset=utf-8")

            let semicolons = try await get(
                server, "/v2/datasets/\(datasetID)/items?format=csv&bom=0&delimiter=%3B&skipHidden=1")
            // Nested values become `parent/child` columns, never JSON text in a cell.
            #expect(semicolons.text == "a;b;c/d\n1;x,y;\n;;\n3;;\n")

            let xml = try await get(server, "/v2/datasets/\(datasetID)/items?format=xml&xmlRoot=rows&xmlRow=row")
            #expect(xml.header("Content-Type") == "application/xml; charset=utf-8")
            #expect(xml.text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rows>\n  <row>\n"))

            let unknown = try await get(server, "/v2/datasets/\(datasetID)/items?format=pdf")
            #expect(unknown.status == 400)
        }
    }

    @Test("dataset and key-value store objects answer by ID and through the run")
    func storageObjects() async throws {
        try await withEmulator(configuration) { server in
            let run = try await runToEnd(server, "me~items", input: "{}")
            let runID = try #require(run["id"] as? String)
            let dataset = try #require(try await get(server, "/v2/actor-runs/\(runID)/dataset").data)
            #expect(dataset["itemCount"] as? Int == 3)
            #expect(dataset["cleanItemCount"] as? Int == 2)
            #expect(dataset["actRunId"] as? String == runID)
            let storeID = try #require(run["defaultKeyValueStoreId"] as? String)
            let store = try #require(try await get(server, "/v2/key-value-stores/\(storeID)").data)
            #expect(store["id"] as? String == storeID)
            #expect(store["actRunId"] as? String == runID)
            let viaRun = try await get(server, "/v2/actor-runs/\(runID)/key-value-store")
            #expect(viaRun.data?["id"] as? String == storeID)
        }
    }

    @Test("log stream=1 answers chunked and follows the log until the run ends, on both paths")
    func logStream() async throws {
        try await withEmulator(configuration) { server in
            let start = try await startRun(server, "me~slow-logger")
            let runID = try #require(start.data?["id"] as? String)
            let clock = ContinuousClock()
            let began = clock.now
            async let viaLogs = get(server, "/v2/logs/\(runID)?stream=true")
            let viaRun = try await get(server, "/v2/actor-runs/\(runID)/log?stream=1")
            let elapsed = clock.now - began
            #expect(elapsed > .milliseconds(400))
            #expect(viaRun.header("Transfer-Encoding") == "chunked")
            for response in [viaRun, try await viaLogs] {
                let lines = response.text.split(separator: "\n")
                #expect(lines.contains { $0.hasSuffix(" one") } && lines.contains { $0.hasSuffix(" three") })
                #expect(lines.last?.hasSuffix("Run finished with status SUCCEEDED") == true)
            }
            let finished = try await get(server, "/v2/logs/\(runID)?stream=1")
            #expect(finished.text == viaRun.text)
        }
    }

    @Test("run-sync answers 201 with the record, 400 run-failed, 408 run-timeout-exceeded; items variant too")
    func runSync() async throws {
        try await withEmulator(configuration) { server in
            let ok = try await LoopbackHTTPClient.request(
                "POST", server.baseURL + "/v2/acts/apify~hello-world/run-sync",
                headers: bearer + [("Content-Type", "application/json")], body: Array(#"{"message": "sync"}"#.utf8))
            #expect(ok.status == 201)
            #expect(ok.text == "{\"greeting\": \"Hello, sync!\"}\n")
            #expect(ok.header("Content-Type") == "application/json; charset=utf-8")

            let input = try await LoopbackHTTPClient.request(
                "GET", server.baseURL + "/v2/actor-tasks/emulator~hello-task/run-sync?outputRecordKey=INPUT",
                headers: bearer)
            #expect(input.text == #"{"message":"task"}"#)

            let failed = try await LoopbackHTTPClient.request(
                "POST", server.baseURL + "/v2/actors/emulator~fail/run-sync", headers: bearer)
            #expect(failed.status == 400)
            #expect(failed.error?["type"] == "run-failed")
            #expect(failed.error?["message"]?.contains("status: FAILED") == true)

            let items = try await LoopbackHTTPClient.request(
                "POST", server.baseURL + "/v2/actors/me~items/run-sync-get-dataset-items?format=jsonl&clean=1",
                headers: bearer)
            #expect(items.status == 201)
            #expect(items.text == "{\"a\":1,\"b\":\"x,y\"}\n{\"a\":3,\"c\":{\"d\":null}}\n")
            #expect(items.header("X-Apify-Pagination-Total") == "3")
        }
        // A short hold for the 408, in an emulator of its own: the runs above may take seconds on a loaded machine.
        var short = configuration
        short.runSyncWaitSecs = 1
        try await withEmulator(short) { server in
            let slow = try await LoopbackHTTPClient.request(
                "POST", server.baseURL + "/v2/actors/emulator~sleep/run-sync", headers: bearer)
            #expect(slow.status == 408)
            #expect(slow.error?["type"] == "run-timeout-exceeded")
        }
    }
}
