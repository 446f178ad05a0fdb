import ApifyEmulator
import Foundation
import Testing

/// What a person at a terminal sees: a status line redrawn in place while the run goes, the failure report when
/// it fails, and plain lines when stderr is not a terminal.
@Suite struct TerminalTests {
    private static let slow = """
        [{"id": "SlowStatus0000001", "username": "emulator", "name": "slow", "steps": [
          {"log": "starting"}, {"statusMessage": "Crawling page 1"}, {"sleep": 2.5}, {"log": "page 1 done"},
          {"statusMessage": "Crawling page 2"}, {"sleep": 2.5}, {"log": "page 2 done"},
          {"finish": {"status": "FAILED", "exitCode": 3, "statusMessage": "Page 3 was missing"}}
        ]}]
        """

    /// Under a pseudo-terminal (`script`): the line shows each status message and an elapsed time that advances.
    @Test func aTerminalShowsALiveStatusLine() async throws {
        try await Harness.withEmulator(actorsJSON: Self.slow) { server in
            let result = try await Harness.run(
                ["emulator/slow", "--no-input", "--no-logs"], emulator: server, environment: ["TERM": "xterm"],
                timeout: .seconds(60), shell: #"script -qfec "$(printf '%q ' "$0" "$@")" /dev/null"#)
            // `script` puts the terminal's bytes on its stdout: stderr and stdout of actor-run, as drawn.
            let screen = result.stdoutText
            #expect(screen.contains("\r\u{1B}[K"), "\(screen)")
            let frames = screen.components(separatedBy: "\r\u{1B}[K").filter { $0.hasPrefix("actor-run: run ") }
            let elapsed = Set(frames.compactMap { $0.split(separator: " ").dropFirst(4).first })
            #expect(elapsed.count >= 2, "the elapsed time never advanced: \(frames)")
            #expect(frames.contains { $0.hasSuffix(" · Crawling page 1") })
            #expect(frames.contains { $0.hasSuffix(" · Crawling page 2") })
            #expect(screen.contains("FAILED with exit code 3 in "))
            #expect(screen.contains("page 2 done"))
        }
    }

    /// Output without a final line break gets one on a terminal, after the status line is cleared, so that the
    /// last status line starts on a line of its own.
    @Test func outputOnATerminalEndsItsLine() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["emulator/items", "--no-input", "--no-logs", "--print", "auto"], emulator: server,
                environment: ["TERM": "xterm"], shell: Self.underATerminal)
            let screen = result.stdoutText
            #expect(screen.contains("\r\u{1B}[K[{\"url\":"), "\(screen)")
            #expect(screen.contains("\"title\":\"Three\"}]\r\nactor-run: run "), "\(screen)")
        }
    }

    /// As curl does: binary output is not sent to a terminal unless `-o -` asks for it; the run is not lost.
    @Test func binaryOutputIsNotPrintedOnATerminal() async throws {
        try await Harness.withEmulator { server in
            let refused = try await Harness.run(
                ["emulator/binary", "--no-input", "--no-logs"], emulator: server, environment: ["TERM": "xterm"],
                shell: Self.underATerminal + "; echo \"status $?\"")
            #expect(refused.stdoutText.contains("the output is binary and stdout is a terminal: save it with -o FILE"))
            #expect(refused.stdoutText.contains("SUCCEEDED: fetch its output with `actor-run output "))
            #expect(refused.stdoutText.hasSuffix("status 73\n"), "\(refused.stdoutText)")
            let forced = try await Harness.run(
                ["emulator/binary", "--no-input", "--no-logs", "-q", "-o", "-"], emulator: server,
                shell: #"script -qfec "$(printf '%q ' "$0" "$@") | wc -c" /dev/null"#)
            #expect(forced.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "65536")
        }
    }

    /// Runs the command under a pseudo-terminal: `script` puts what the terminal shows on its stdout.
    private static let underATerminal = #"script -qfec "$(printf '%q ' "$0" "$@")" /dev/null"#

    /// The same run with stderr to a file (a pipe here): plain lines only, and the failure report.
    @Test func offATerminalLinesArePlainAndAFailureIsExplained() async throws {
        try await Harness.withEmulator(actorsJSON: Self.slow) { server in
            let result = try await Harness.run(
                ["emulator/slow", "--no-input"], emulator: server, environment: ["TERM": "xterm"],
                timeout: .seconds(60))
            #expect(result.status == 1, "\(result.stderr)")
            #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"))
            let runID = try Harness.runID(in: result)
            let lines = result.stderrLines
            #expect(lines.contains("actor-run: the last 5 lines of the log of run \(runID):"))
            #expect(lines.contains { $0.hasPrefix("  ") && $0.hasSuffix(" page 2 done") })
            #expect(lines.last?.hasPrefix("actor-run: run \(runID) FAILED with exit code 3 in ") == true)
            #expect(lines.last?.hasSuffix(": Page 3 was missing") == true)
        }
    }
}
