import ApifyEmulator
import Foundation
import Testing

/// The promises at the edges, each against the emulator playing a hostile network, a slow API or an impatient user:
/// one run per invocation, no run left going unnamed, a prompt exit, and nothing unsafe printed.
@Suite struct EdgeTests {
    private static let hello = "{\"greeting\": \"Hello, world!\"}\n"

    private func runs(_ server: EmulatorServer) async throws -> [[String: Any]] {
        let list = try await Harness.fetch("\(server.baseURL)/v2/actor-runs?desc=1")
        let object = try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any]
        return try #require((object?["data"] as? [String: Any])?["items"] as? [[String: Any]])
    }

    private func status(of runID: String, _ server: EmulatorServer) async throws -> String? {
        let run = try await Harness.fetch("\(server.baseURL)/v2/actor-runs/\(runID)")
        let object = try JSONSerialization.jsonObject(with: Data(run.body)) as? [String: Any]
        return (object?["data"] as? [String: Any])?["status"] as? String
    }

    // MARK: - One run per invocation

    /// After a 429 the retried start goes out on the kept-alive connection; the server creates the run and drops
    /// the connection. libcurl used to re-send a body-less POST by itself: two runs, exit 0.
    @Test(arguments: [["--no-input"], ["-i", #"{"message": "world"}"#]])
    func rateLimitThenLostAnswerStartsOneRun(input: [String]) async throws {
        let faults = "POST /v2/actors/*/runs: 429 x1 retry-after=0; POST /v2/actors/*/runs: close-after skip=1"
        try await Harness.withEmulator(faults: faults) { server in
            let result = try await Harness.run(["apify/hello-world"] + input, emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.hello)
            #expect(await server.recordedRequests().filter { $0.method == "POST" }.count == 2)
            #expect(try await runs(server).count == 1)
            #expect(result.stderr.contains("; looking for the run it may have started"))
        }
    }

    /// The runs list lags or fails after a lost start: the matched run is adopted from the list (a GET by its ID
    /// may 404 for a while), and a 503 on the list is retried rather than read as "no run".
    @Test func lostStartWithLaggingReadsAndAFailingListIsStillAdopted() async throws {
        let faults =
            "POST /v2/actors/*/runs: close-after; GET /v2/actors/*/runs: 503 x2 retry-after=0;"
            + " GET /v2/actor-runs/*: 404-after-start=4s"
        try await Harness.withEmulator(faults: faults) { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.hello)
            #expect(try await runs(server).count == 1)
        }
    }

    /// A run adopted from the runs list after it already ended: `--json` still prints the whole run object (the
    /// list holds only a short one). Found by the chaos suite.
    @Test func adoptedRunThatAlreadyEndedPrintsTheWholeRunObject() async throws {
        let faults = "POST /v2/actors/*/runs: close-after; GET /v2/actors/*/runs: delay=1s"
        try await Harness.withEmulator(faults: faults) { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input", "--json"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any]
            #expect(object?["status"] as? String == "SUCCEEDED")
            #expect(object?["defaultKeyValueStoreId"] is String)
            #expect(object?["stats"] is [String: Any])
        }
    }

    /// A server that trickles the start's answer a byte at a time never trips an idle limit; the request timeout
    /// ends it, and since the request went out, the run it created is found and followed.
    @Test func trickledStartAnswerIsCutAtTheRequestTimeoutAndTheRunAdopted() async throws {
        try await Harness.withEmulator(faults: "POST /v2/actors/*/runs: trickle=500") { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input", "--request-timeout", "2"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.hello)
            #expect(result.stderr.contains("; looking for the run it may have started"))
            #expect(try await runs(server).count == 1)
        }
    }

    /// A start answer that cannot be read (endless, a gzip bomb, null, bad UTF-8, a hostile ID): the run exists,
    /// so it is looked up and followed. A cosmetic oddity (a float duration) is no failure at all.
    @Test(arguments: [
        "oversize=20000000", "gzip-bomb=40000000", "mangle=null-data", "mangle=bad-utf8", "mangle=bad-id",
    ])
    func unreadableStartAnswerIsLookedUp(fault: String) async throws {
        try await Harness.withEmulator(faults: "POST /v2/actors/*/runs: \(fault)") { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.hello)
            // Foundation reads bad UTF-8 as U+FFFD: such an answer is simply followed.
            #expect(fault == "mangle=bad-utf8" || result.stderr.contains("; looking for the run it may have started"))
            #expect(!result.stderr.contains("forged"))
            #expect(try await runs(server).count == 1)
        }
    }

    @Test func cosmeticFieldsOfAnOddShapeFailNothing() async throws {
        try await Harness.withEmulator(
            faults: "POST /v2/actors/*/runs: mangle=float; GET /v2/actor-runs/*: mangle=float x*"
        ) {
            server in
            let result = try await Harness.run(["apify/hello-world", "--no-input"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.hello)
            #expect(!result.stderr.contains("looking for the run"))
        }
    }

    /// A 16 MiB+ answer where small JSON belongs is the API's fault (76), not the output file's (73).
    @Test(arguments: ["oversize=20000000", "gzip-bomb=40000000"])
    func hugeAnswerWhileWaitingIsABadAnswer(fault: String) async throws {
        try await Harness.withEmulator(faults: "GET /v2/actor-runs/*: \(fault) x*") { server in
            // Longer than the start's 2 s hold, so that the run is read while waiting.
            let result = try await Harness.run(["emulator/sleep", "-i", #"{"seconds": 3}"#], emulator: server)
            #expect(result.status == 76, "\(result.stderr)")
            #expect(result.stderrLines.last?.contains("larger than 16 MiB") == true)
        }
    }

    // MARK: - Interrupts

    /// Ctrl-C while the start is in flight: the run it creates is aborted once the answer names it.
    @Test func interruptWhileStartingAbortsTheRunOnceKnown() async throws {
        try await Harness.withEmulator(faults: "POST /v2/actors/*/runs: trickle=20") { server in
            let atStart = Interruption(afterRequest: "POST", pathContains: "/runs", on: server, signals: [SIGINT])
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#], emulator: server, timeout: .seconds(20),
                interrupt: atStart)
            #expect(result.status == 3, "\(result.stderr)")
            #expect(result.stderr.contains("interrupted: the start's answer is not in yet"))
            let all = try await runs(server)
            #expect(all.count == 1)
            let runID = try #require(all.first?["id"] as? String)
            #expect(result.stderr.contains(runID))
            #expect(try await status(of: runID, server) == "ABORTED")
        }
    }

    /// Ctrl-C while looking for a lost start: the lookup goes on, finds the run, and aborts it.
    @Test func interruptDuringTheLostStartLookupAbortsTheFoundRun() async throws {
        let faults = "POST /v2/actors/*/runs: close-after; GET /v2/actors/*/runs: delay=1s"
        try await Harness.withEmulator(faults: faults) { server in
            let atLookup = Interruption(afterRequest: "GET", pathContains: "/runs", on: server, signals: [SIGINT])
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#], emulator: server, timeout: .seconds(20),
                interrupt: atLookup)
            #expect(result.status == 3, "\(result.stderr)")
            let runID = try #require(try await runs(server).first?["id"] as? String)
            #expect(try await status(of: runID, server) == "ABORTED")
            #expect(result.stderr.contains("aborting run \(runID)"))
        }
    }

    /// An abort that hangs: the second signal forces it (one more request, said on stderr), the third exits at
    /// once naming the run. No retry loops pile up.
    @Test func thirdInterruptExitsAtOnceNamingTheRun() async throws {
        try await Harness.withEmulator(faults: "POST /v2/actor-runs/*/abort: delay=60s x*") { server in
            let thrice = Interruption(
                afterStderrContains: "actor-run: started run ", signals: [SIGINT, SIGINT, SIGINT])
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 60}"#], emulator: server, timeout: .seconds(20),
                interrupt: thrice)
            #expect(result.status == 130, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            #expect(
                result.stderrLines.last
                    == "actor-run: interrupted three times: exiting; run \(runID) may still be going:"
                    + " `actor-run wait \(runID)`")
            #expect(!result.stderr.contains("retrying"))
            let aborts = await server.recordedRequests().filter { $0.path.hasSuffix("/abort") }
            #expect(aborts.map(\.query).sorted { ($0 ?? "") > ($1 ?? "") } == ["gracefully=true", "gracefully=false"])
        }
    }

    @Test func sighupAbortsLikeSigterm() async throws {
        try await Harness.withEmulator { server in
            let hangup = Interruption(afterStderrContains: "actor-run: started run ", signals: [SIGHUP])
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 30}"#], emulator: server, timeout: .seconds(20),
                interrupt: hangup)
            #expect(result.status == 3, "\(result.stderr)")
            let runID = try Harness.runID(in: result)
            #expect(try await status(of: runID, server) == "ABORTED")
        }
    }

    // MARK: - What reaches the terminal

    /// A proxy that echoes the request headers puts the token in the error message: it is never printed.
    @Test func echoedAuthorizationNeverReachesStderr() async throws {
        try await Harness.withEmulator(faults: "POST /v2/actors/*/runs: echo-headers") { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input"], emulator: server)
            #expect(result.status == 65, "\(result.stderr)")
            #expect(!result.stderr.contains(Harness.token))
            #expect(result.stderr.contains("Authorization: Bearer ***"))
        }
    }

    private static let hostile = """
        [{"id": "HostileStrings001", "username": "emulator", "name": "hostile", "steps": [
          {"statusMessage": "\\u001b]0;pwned\\u0007\\r\\nactor-run: forged"},
          {"log": "\\u001b[31mred\\u001b[0m and a bell\\u0007"},
          {"sleep": 0.3},
          {"finish": {"status": "FAILED", "statusMessage": "bye\\r\\nactor-run: forged too\\u001b[2J"}}
        ]}]
        """

    /// Status messages and log lines with escape sequences, CR/LF and bells: no control byte but `\n` reaches
    /// stderr, and no line of ours is forged.
    @Test func serverStringsAreSanitizedBeforeTheTerminal() async throws {
        try await Harness.withEmulator(actorsJSON: Self.hostile) { server in
            let result = try await Harness.run(["emulator/hostile", "--no-input", "--logs"], emulator: server)
            #expect(result.status == 1, "\(result.stderr)")
            let controls = result.stderr.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" }
            #expect(controls.isEmpty, "\(controls.map(\.value))")
            #expect(!result.stderrLines.contains { $0.hasPrefix("actor-run: forged") })
            #expect(result.stderr.contains("red"))
        }
    }

    // MARK: - Descriptors and pipes

    /// `>&-`: stdout closed. The record goes nowhere rather than into a socket, and the run is not failed for it.
    @Test func closedStdoutIsNotAFailure() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input"], emulator: server, shell: #"exec "$0" "$@" >&-"#)
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    /// `<&-`: stdin closed, no input flag: nothing to read, so no input, not "unreadable".
    @Test func closedStdinMeansNoInput() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["apify/hello-world"], emulator: server, shell: #"exec "$0" "$@" <&-"#)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.hello)
        }
    }

    /// A soft limit on descriptors below what a run needs, with room under the hard one (`ulimit -S -n`): raised,
    /// as far as the hard limit allows, and the run goes as usual.
    @Test func aLowSoftDescriptorLimitIsRaised() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input"], emulator: server, shell: #"ulimit -S -n 6; exec "$0" "$@""#)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.hello)
        }
    }

    /// A hard limit too low for a run (`ulimit -n 6`): one line and 69 before anything is sent, not a crash or
    /// a hang (a descriptor Dispatch or libcurl cannot get is a trap or a request that never ends).
    @Test func tooFewDescriptorsIsOneLine() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input"], emulator: server, timeout: .seconds(20),
                shell: #"ulimit -n 6; exec "$0" "$@""#)
            #expect(result.status == 69, "\(result.stderr)")
            #expect(
                result.stderrLines == [
                    "actor-run: only 6 files may be open at once (ulimit -n); actor-run needs at least 32"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    private static let large = """
        [{"id": "LargeRecord000001", "username": "emulator", "name": "large", "steps": [
          {"record": {"key": "OUTPUT", "generatedBytes": 4000000}}
        ]}]
        """

    /// `| head -c 5`: the reader goes away; the tool ends as `yes | head` does (SIGPIPE), with no error line.
    @Test func readerGoingAwayEndsQuietly() async throws {
        try await Harness.withEmulator(actorsJSON: Self.large) { server in
            let result = try await Harness.run(
                ["emulator/large", "--no-input", "-q"], emulator: server,
                shell: #"set -o pipefail; "$0" "$@" | head -c 5 >/dev/null; echo "status $?""#)
            #expect(result.stdoutText == "status 141\n", "\(result.stderr)")
            #expect(result.stderr.isEmpty)
        }
    }

    /// The token is in this process's memory: no core dump may carry it (limit 0 from before main). The run is
    /// long, so the process is surely still there when its limits are read, and is then ended by SIGTERM.
    @Test func noCoreDumpWhileTheTokenIsHeld() async throws {
        try await Harness.withEmulator { server in
            let script = #"""
                err=$(mktemp); "$0" "$@" >/dev/null 2>"$err" & p=$!
                until grep -q "started run" "$err"; do sleep 0.05; done
                grep "Max core file size" /proc/$p/limits; kill -TERM $p; wait $p; rm -f "$err"
                """#
            let result = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 60}"#], emulator: server, shell: script)
            #expect(
                result.stdoutText.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2) == [
                    "0", "0",
                ])
        }
    }

    /// `-o -` is stdout, as for curl.
    @Test func outputFileDashIsStdout() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["apify/hello-world", "--no-input", "-o", "-"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == Self.hello)
            #expect(result.stderrLines.last?.hasSuffix("; wrote 30 bytes") == true)
        }
    }

    // MARK: - Downloads

    /// A record cut mid-body after the run SUCCEEDED is resumed with Range: exact bytes, on stdout and in a file.
    @Test(arguments: [false, true]) func cutRecordIsResumed(toFile: Bool) async throws {
        try await Harness.withEmulator(faults: "GET /v2/key-value-stores/*/records/*: truncate x1") { server in
            let directory = try Harness.makeTemporaryDirectory("resume")
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("out.bin").path
            let result = try await Harness.run(
                ["emulator/binary", "--no-input"] + (toFile ? ["-o", file] : []), emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let expected = (0..<65536).map { UInt8($0 % 256) }
            let bytes = toFile ? Array(try Data(contentsOf: URL(fileURLWithPath: file))) : result.stdout
            #expect(bytes == expected)
            let gets = await server.recordedRequests().filter { $0.path.contains("/records/OUTPUT") }
            #expect(gets.count == 2)
            #expect(gets.last?.header("Range") == "bytes=32768-")
        }
    }

    private static let items = """
        [{"id": "DatasetItems00001", "username": "emulator", "name": "items", "steps": [
          {"pushItems": [{"n": 1, "name": "one"}, {"n": 2, "name": "two"}, {"n": 3, "name": "three"}]}
        ]}]
        """

    /// Dataset items (no Range there): fetched again with the bytes already written skipped.
    @Test func cutDatasetIsFetchedAgainWithoutRepeatingBytes() async throws {
        let faults = "GET /v2/datasets/*/items: truncate bytes=7 x1"
        try await Harness.withEmulator(actorsJSON: Self.items, faults: faults) { server in
            let whole = try await Harness.run(
                ["emulator/items", "--no-input", "--dataset", "--format", "jsonl"], emulator: server)
            #expect(whole.status == 0, "\(whole.stderr)")
            let clean = try await Harness.run(
                ["emulator/items", "--no-input", "--dataset", "--format", "jsonl"], emulator: server)
            #expect(clean.status == 0, "\(clean.stderr)")
            #expect(whole.stdout == clean.stdout)
            #expect(!whole.stdout.isEmpty)
        }
    }

    /// A dead server (connection refused) is given up on within the retry budget, which says so.
    @Test func deadServerIsGivenUpOnWithinTheBudget() async throws {
        let result = try await Harness.run(
            ["apify/hello-world", "--no-input", "--api-url", "http://127.0.0.1:9"], emulator: nil)
        #expect(result.status == 69, "\(result.stderr)")
        #expect(result.stderrLines.last?.contains("retry budget, --retry-max-time)") == true)
    }

    /// A killed `-o` leaves its temporary file; the next run into that directory removes it.
    @Test func orphanedTemporaryFilesAreRemovedByTheNextRun() async throws {
        try await Harness.withEmulator { server in
            let directory = try Harness.makeTemporaryDirectory("orphan")
            defer { try? FileManager.default.removeItem(at: directory) }
            // PID 2^22+1 is past the kernel's pid_max: no process has it.
            let orphan = directory.appendingPathComponent(".big.json.actor-run-4194305-Ab3dE9")
            let unrelated = directory.appendingPathComponent(".notes.actor-run-backup")
            try Data("half".utf8).write(to: orphan)
            try Data("keep".utf8).write(to: unrelated)
            let result = try await Harness.run(
                ["apify/hello-world", "--no-input", "-o", directory.appendingPathComponent("out.json").path],
                emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            #expect(names == [".notes.actor-run-backup", "out.json"])
        }
    }

    // MARK: - Resources

    /// `--wait-for-resources`: a 402 memory limit makes it wait (and say so) until the other run ends.
    @Test func waitForResourcesStartsOnceTheLimitAllows() async throws {
        try await Harness.withEmulator(memoryLimitMbytes: 1024) { server in
            // The account's memory is taken by a run that goes on until the test aborts it.
            let first = try await Harness.run(
                ["emulator/sleep", "-i", #"{"seconds": 600}"#, "--memory", "1024", "--detach"], emulator: server)
            #expect(first.status == 0, "\(first.stderr)")
            let firstID = first.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            let refused = try await Harness.run(
                ["apify/hello-world", "--no-input", "--memory", "1024"], emulator: server)
            #expect(refused.status == 75, "\(refused.stderr)")
            async let waiting = Harness.run(
                ["apify/hello-world", "--no-input", "--memory", "1024", "--wait-for-resources"], emulator: server,
                timeout: .seconds(60))
            // Once the waiting invocation has been refused too (the third start the emulator saw), free the memory.
            while await server.recordedRequests().filter({ $0.method == "POST" && $0.path.hasSuffix("/runs") }).count
                < 3
            {
                try await Task.sleep(for: .milliseconds(10))
            }
            let aborted = try await Harness.run(["abort", firstID, "--force"], emulator: server)
            #expect(aborted.status == 0, "\(aborted.stderr)")
            let waited = try await waiting
            #expect(waited.status == 0, "\(waited.stderr)")
            #expect(waited.stdoutText == Self.hello)
            #expect(waited.stderr.contains("; waiting for resources, next try in "))
            #expect(try await runs(server).count == 2)
        }
    }
}
