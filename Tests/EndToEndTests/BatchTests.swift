import ApifyEmulator
import Foundation
import Testing

/// `actor-run batch` against the emulator: the bytes per line, the concurrency bound the emulator saw, resuming
/// after SIGKILL, bad lines, 402 limits and Ctrl-C.
@Suite struct BatchTests {
    /// Writes `{"n": N}` as OUTPUT after a short sleep, so that runs overlap.
    private static let numbered = """
        [{"id": "BatchNumbered0001", "username": "emulator", "name": "numbered", "steps": [
          {"sleep": "{{input.sleep|0.1}}"},
          {"record": {"key": "OUTPUT", "contentType": "application/json", "template": "{\\"n\\": {{input.n}}}"}}
        ]}]
        """

    private func inputs(_ count: Int, sleep: Double = 0.1) throws -> URL {
        let directory = try Harness.makeTemporaryDirectory("batch")
        let lines = (1...count).map { #"{"n": \#($0), "sleep": \#(sleep)}"# }.joined(separator: "\n") + "\n"
        let file = directory.appendingPathComponent("inputs.jsonl")
        try Data(lines.utf8).write(to: file)
        return file
    }

    private func runs(_ server: EmulatorServer) async throws -> [[String: Any]] {
        let list = try await Harness.fetch("\(server.baseURL)/v2/actor-runs?limit=1000")
        let object = try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any]
        return try #require((object?["data"] as? [String: Any])?["items"] as? [[String: Any]])
    }

    /// The largest number of runs that were going at one moment, from the runs' own start and end times.
    private func peakConcurrency(_ runs: [[String: Any]]) -> Int {
        var edges: [(String, Int)] = []
        for run in runs {
            guard let started = run["startedAt"] as? String, let finished = run["finishedAt"] as? String else {
                continue
            }
            edges.append((started, 1))
            edges.append((finished, -1))
        }
        // ISO 8601 with fixed width sorts as text; an end before a start at the same instant.
        edges.sort { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        var current = 0
        var peak = 0
        for (_, step) in edges {
            current += step
            peak = max(peak, current)
        }
        return peak
    }

    @Test func twoHundredLinesGiveTheirBytesWithinTheBound() async throws {
        try await Harness.withEmulator(actorsJSON: Self.numbered) { server in
            let file = try inputs(200)
            let directory = file.deletingLastPathComponent().appendingPathComponent("out")
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let result = try await Harness.run(
                [
                    "batch", "emulator/numbered", "--inputs", file.path, "--parallel", "8", "--output-dir",
                    directory.path,
                ],
                emulator: server, timeout: .seconds(120))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderrLines.last == "actor-run: batch: 200 of 200 lines: 200 SUCCEEDED, 0 not")
            for line in [1, 7, 100, 200] {
                let name = String(format: "%06d.json", line)
                let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
                #expect(String(decoding: bytes, as: UTF8.self) == #"{"n": \#(line)}"#)
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(names.filter { $0.hasSuffix(".json") }.count == 200)
            let log = try String(contentsOf: directory.appendingPathComponent("runs.jsonl"), encoding: .utf8)
            #expect(log.split(separator: "\n").count == 200)
            let all = try await runs(server)
            #expect(all.count == 200)
            let peak = peakConcurrency(all)
            #expect(peak <= 8)
            #expect(peak >= 2, "the batch never ran two at once")
        }
    }

    @Test func withoutAnOutputDirectoryEachLineIsAJSONLineOnStdout() async throws {
        try await Harness.withEmulator(actorsJSON: Self.numbered) { server in
            let file = try inputs(5, sleep: 0)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let result = try await Harness.run(
                ["batch", "emulator/numbered", "--inputs", file.path, "-q"], emulator: server)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdoutText.split(separator: "\n")
            #expect(lines.count == 5)
            for text in lines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                let line = try #require(object["line"] as? Int)
                #expect(object["status"] as? String == "SUCCEEDED")
                #expect((object["output"] as? [String: Any])?["n"] as? Int == line)
            }
        }
    }

    /// SIGKILL mid-batch, then the same command again: every line ends with exactly one run.
    @Test func killedThenResumedGivesExactlyOneRunPerLine() async throws {
        try await Harness.withEmulator(actorsJSON: Self.numbered) { server in
            let file = try inputs(30, sleep: 0.3)
            let directory = file.deletingLastPathComponent().appendingPathComponent("out")
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let arguments = [
                "batch", "emulator/numbered", "--inputs", file.path, "--parallel", "4", "--output-dir", directory.path,
            ]
            let kill = Interruption(afterStderrContains: "line 9: started run", signals: [SIGKILL])
            let killed = try await Harness.run(arguments, emulator: server, timeout: .seconds(60), interrupt: kill)
            #expect(killed.status == SIGKILL + 128 || killed.status == SIGKILL, "\(killed.stderr)")
            let resumed = try await Harness.run(arguments, emulator: server, timeout: .seconds(60))
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(
                resumed.stderrLines.last?.hasPrefix("actor-run: batch: 30 of 30 lines: 30 SUCCEEDED, 0 not (") == true)
            let all = try await runs(server)
            // One run per line: the markers name the lines, and there are as many runs as lines.
            let agents = all.compactMap { ($0["meta"] as? [String: Any])?["userAgent"] as? String }
            let lines = agents.compactMap { agent -> Substring? in
                guard let marker = agent.range(of: " line ") else { return nil }
                return agent[marker.upperBound...].split(separator: " ").first
            }
            #expect(all.count == 30)
            #expect(Set(lines).count == 30)
            for line in 1...30 {
                let bytes = try Data(contentsOf: directory.appendingPathComponent(String(format: "%06d.json", line)))
                #expect(String(decoding: bytes, as: UTF8.self) == #"{"n": \#(line)}"#)
            }
        }
    }

    /// A run in flight may hold two descriptors (its connection, and its output file while the record comes in):
    /// under `ulimit -n 64` the batch runs at most (64 - 32) / 2 at once, and says so, rather than runs whose
    /// connections or output files cannot be opened.
    @Test func aDescriptorLimitBoundsTheParallelism() async throws {
        try await Harness.withEmulator(actorsJSON: Self.numbered) { server in
            let file = try inputs(60, sleep: 0.3)
            let directory = file.deletingLastPathComponent().appendingPathComponent("out")
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let result = try await Harness.run(
                [
                    "batch", "emulator/numbered", "--inputs", file.path, "--parallel", "64", "--output-dir",
                    directory.path,
                ],
                emulator: server, timeout: .seconds(120), shell: #"ulimit -n 64; exec "$0" "$@""#)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stderrLines.first
                    == "actor-run: running at most 16 at once: only 64 files may be open at once (ulimit -n)")
            #expect(result.stderrLines.last == "actor-run: batch: 60 of 60 lines: 60 SUCCEEDED, 0 not")
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(names.filter { $0.hasSuffix(".json") }.count == 60)
            #expect(peakConcurrency(try await runs(server)) <= 16)
        }
    }

    /// A run that SUCCEEDED but whose output could not be fetched: the line says why and that the same command
    /// fetches it; run again, it does, without a new run.
    @Test func anOutputNotFetchedIsExplainedAndFetchedByARerun() async throws {
        try await Harness.withEmulator(
            actorsJSON: Self.numbered, faults: "GET /v2/key-value-stores/*/records/*: 500 x2"
        ) { server in
            let file = try inputs(2)
            let directory = file.deletingLastPathComponent().appendingPathComponent("out")
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let arguments = [
                "batch", "emulator/numbered", "--inputs", file.path, "--parallel", "1", "--output-dir", directory.path,
                "--retries", "0",
            ]
            let first = try await Harness.run(arguments, emulator: server, timeout: .seconds(60))
            #expect(first.status == 1, "\(first.stderr)")
            for line in [1, 2] {
                let ended = first.stderrLines.first { $0.hasPrefix("actor-run: line \(line): run ") } ?? ""
                #expect(ended.contains(" SUCCEEDED, but its output was not written: "), "\(ended)")
                #expect(ended.hasSuffix("; the same command again fetches it, without a new run"), "\(ended)")
            }
            #expect(first.stderrLines.last == "actor-run: batch: 2 of 2 lines: 0 SUCCEEDED, 2 not; failed lines: 1, 2")
            let second = try await Harness.run(arguments, emulator: server, timeout: .seconds(60))
            #expect(second.status == 0, "\(second.stderr)")
            #expect(try await runs(server).count == 2)
            for line in [1, 2] {
                let bytes = try Data(contentsOf: directory.appendingPathComponent(String(format: "%06d.json", line)))
                #expect(String(decoding: bytes, as: UTF8.self) == #"{"n": \#(line)}"#)
            }
        }
    }

    @Test func aBadLineStartsNothing() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["batch", "apify/hello-world", "--inputs", "-"], emulator: server,
                stdin: .bytes(Array("{\"message\": \"a\"}\n\n{\"message\": \n".utf8)))
            #expect(result.status == 65, "\(result.stderr)")
            #expect(
                result.stderrLines == [
                    "actor-run: --inputs stdin, line 3, column 13: not JSON: unexpected end of input, expected a value"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    /// The account's memory fits two runs of four: the batch slows down to what fits, and finishes.
    @Test func memoryLimitSlowsTheBatchDown() async throws {
        try await Harness.withEmulator(actorsJSON: Self.numbered, memoryLimitMbytes: 1024) { server in
            let file = try inputs(8, sleep: 0.3)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let result = try await Harness.run(
                ["batch", "emulator/numbered", "--inputs", file.path, "--parallel", "4", "--memory", "512"],
                emulator: server, timeout: .seconds(90))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("running at most "))
            #expect(try await runs(server).count == 8)
            #expect(peakConcurrency(try await runs(server)) <= 2)
        }
    }

    /// Ctrl-C: every run in flight is aborted, nothing new starts, and the summary says how to resume.
    @Test func interruptAbortsEveryRunInFlight() async throws {
        try await Harness.withEmulator(actorsJSON: Self.numbered) { server in
            let file = try inputs(20, sleep: 30)
            let directory = file.deletingLastPathComponent().appendingPathComponent("out")
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let stop = Interruption(afterStderrContains: "line 3: started run", signals: [SIGINT])
            let result = try await Harness.run(
                [
                    "batch", "emulator/numbered", "--inputs", file.path, "--parallel", "3", "--output-dir",
                    directory.path,
                ],
                emulator: server, timeout: .seconds(60), interrupt: stop)
            #expect(result.status == 130, "\(result.stderr)")
            #expect(result.stderrLines.last?.hasSuffix("; interrupted: run the same command again to resume") == true)
            let all = try await runs(server)
            #expect(all.count == 3)
            #expect(all.allSatisfy { $0["status"] as? String == "ABORTED" })
        }
    }
}
