import ApifyEmulator
import Foundation
import Testing

@Suite("Authentication, validation and error envelopes")
struct AuthAndErrorTests {
    @Test("starting a run without a token is 401 token-not-provided")
    func missingToken() async throws {
        try await withEmulator { server in
            let response = try await LoopbackHTTPClient.request(
                "POST", "\(server.baseURL)/v2/actors/apify~hello-world/runs")
            #expect(response.status == 401)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
            #expect(response.error?["type"] == "token-not-provided")
            #expect(response.error?["message"] == "Authentication token was not provided")
        }
    }

    @Test("a token other than the configured one is 401 user-or-token-not-found, on any endpoint")
    func wrongToken() async throws {
        try await withEmulator { server in
            let run = try await runToEnd(server, "emulator~no-output")
            let runID = try #require(run["id"] as? String)
            let wrong = [("Authorization", "Bearer nope")]
            for (method, path) in [
                ("POST", "/v2/actors/apify~hello-world/runs"),
                ("GET", "/v2/actor-runs/\(runID)"),
                ("GET", "/v2/actor-runs/\(runID)/key-value-store/records/OUTPUT"),
                ("GET", "/v2/actor-runs/\(runID)/log"),
            ] {
                let response = try await LoopbackHTTPClient.request(method, server.baseURL + path, headers: wrong)
                #expect(response.status == 401, "\(method) \(path)")
                #expect(response.error?["type"] == "user-or-token-not-found", "\(method) \(path)")
            }
            let viaQuery = try await get(server, "/v2/actor-runs/\(runID)?token=nope")
            #expect(viaQuery.status == 401)
        }
    }

    @Test("the token is accepted from ?token= too; reads by ID need none")
    func tokenSources() async throws {
        try await withEmulator { server in
            let start = try await LoopbackHTTPClient.request(
                "POST", "\(server.baseURL)/v2/actors/emulator~no-output/runs?token=\(testToken)&waitForFinish=10")
            #expect(start.status == 201)
            let runID = try #require(start.data?["id"] as? String)
            let anonymous = try await get(server, "/v2/actor-runs/\(runID)")
            #expect(anonymous.status == 200)
            #expect(anonymous.data?["usageTotalUsd"] == nil)
            let log = try await get(server, "/v2/actor-runs/\(runID)/log")
            #expect(log.status == 200)
            #expect(log.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(log.text.contains("Finishing without storing OUTPUT\n"))
        }
    }

    @Test("with no configured token any non-empty token is accepted")
    func anyTokenWhenUnconfigured() async throws {
        try await withEmulator(EmulatorConfiguration()) { server in
            let response = try await LoopbackHTTPClient.request(
                "POST", "\(server.baseURL)/v2/actors/emulator~no-output/runs",
                headers: [("Authorization", "Bearer whatever")])
            #expect(response.status == 201)
            let missing = try await LoopbackHTTPClient.request(
                "POST", "\(server.baseURL)/v2/actors/emulator~no-output/runs")
            #expect(missing.status == 401)
        }
    }

    @Test("unknown actor, run, record and store are 404 record-not-found with their messages")
    func notFound() async throws {
        try await withEmulator { server in
            let actor = try await startRun(server, "nobody~nothing")
            #expect(actor.status == 404)
            #expect(actor.error?["type"] == "record-not-found")
            #expect(actor.error?["message"] == "Actor was not found")

            let run = try await get(server, "/v2/actor-runs/AAAAAAAAAAAAAAAAA")
            #expect(run.status == 404)
            #expect(run.error?["type"] == "record-not-found")
            #expect(run.error?["message"] == "Actor run was not found")

            let finished = try await runToEnd(server, "emulator~no-output")
            let storeID = try #require(finished["defaultKeyValueStoreId"] as? String)
            let record = try await get(server, "/v2/key-value-stores/\(storeID)/records/OUTPUT")
            #expect(record.status == 404)
            #expect(record.error?["type"] == "record-not-found")
            #expect(record.error?["message"] == "Record was not found")

            let store = try await get(server, "/v2/key-value-stores/AAAAAAAAAAAAAAAAA/records/OUTPUT")
            #expect(store.status == 404)
            #expect(store.error?["type"] == "record-not-found")
        }
    }

    @Test("unknown paths are 404 page-not-found, wrong methods 405 method-not-allowed, both as JSON")
    func unknownRoutes() async throws {
        try await withEmulator { server in
            let page = try await get(server, "/v2/no-such-thing")
            #expect(page.status == 404)
            #expect(page.header("Content-Type") == "application/json; charset=utf-8")
            #expect(page.error?["type"] == "page-not-found")

            // DELETE of a run is served (issue 9); PUT of an abort is not an operation of the API.
            let method = try await LoopbackHTTPClient.request("PUT", "\(server.baseURL)/v2/actor-runs/x/abort")
            #expect(method.status == 405)
            #expect(method.error?["type"] == "method-not-allowed")
        }
    }

    @Test("an unknown build tag is 403 unknown-build-tag; tags and build numbers are accepted")
    func buildTags() async throws {
        try await withEmulator { server in
            let unknown = try await startRun(server, "apify~hello-world", query: "build=beta")
            #expect(unknown.status == 403)
            #expect(unknown.error?["type"] == "unknown-build-tag")
            #expect(
                unknown.error?["message"] == "Build with tag \"beta\" was not found. Has the Actor been built already?")

            let number = try await startRun(server, "apify~hello-world", query: "build=0.0.1")
            #expect(number.status == 201)
            #expect(number.data?["buildNumber"] as? String == "0.0.1")
        }
    }

    @Test("memory must be a power of 2 in 128..32768", arguments: ["1000", "64", "65536", "abc", "0"])
    func badMemory(memory: String) async throws {
        try await withEmulator { server in
            let response = try await startRun(server, "apify~hello-world", query: "memory=\(memory)")
            #expect(response.status == 400)
            #expect(response.error?["type"] == "invalid-input")
            #expect(response.error?["message"]?.contains(memory) == true)
        }
    }

    @Test("an input over 9 MiB is 413 request-too-large; exactly 9 MiB is accepted")
    func inputTooLarge() async throws {
        try await withEmulator { server in
            let limit = 9 * 1024 * 1024
            let url = "\(server.baseURL)/v2/actors/emulator~no-output/runs"
            let headers = bearer + [("Content-Type", "application/octet-stream")]
            let tooLarge = try await LoopbackHTTPClient.request(
                "POST", url, headers: headers, body: [UInt8](repeating: 65, count: limit + 1))
            #expect(tooLarge.status == 413)
            #expect(tooLarge.error?["type"] == "request-too-large")
            let atLimit = try await LoopbackHTTPClient.request(
                "POST", url, headers: headers, body: [UInt8](repeating: 65, count: limit))
            #expect(atLimit.status == 201)
        }
    }

    @Test("actors answer on /v2/acts/ and /v2/actors/, by ID, user~name and user%2Fname")
    func actorReferences() async throws {
        try await withEmulator { server in
            for (prefix, reference) in [
                ("actors", "apify~hello-world"), ("acts", "apify~hello-world"), ("actors", "apifyHelloWorld01"),
                ("acts", "apifyHelloWorld01"), ("actors", "apify%2Fhello-world"), ("acts", "apify%2Fhello-world"),
            ] {
                let response = try await startRun(server, reference, prefix: prefix)
                #expect(response.status == 201, "/v2/\(prefix)/\(reference)")
                #expect(response.data?["actId"] as? String == "apifyHelloWorld01", "/v2/\(prefix)/\(reference)")
            }
            let actor = try await get(server, "/v2/acts/apify~hello-world", headers: bearer)
            #expect(actor.status == 200)
            #expect(actor.data?["id"] as? String == "apifyHelloWorld01")
            #expect(actor.data?["username"] as? String == "apify")
            #expect(actor.data?["name"] as? String == "hello-world")
        }
    }

    @Test("users/me answers for a valid token")
    func currentUser() async throws {
        try await withEmulator { server in
            let me = try await get(server, "/v2/users/me", headers: bearer)
            #expect(me.status == 200)
            #expect(me.data?["username"] as? String == "emulator")
            let anonymous = try await get(server, "/v2/users/me")
            #expect(anonymous.status == 401)
        }
    }
}
