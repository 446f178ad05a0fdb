import ApifyClient
import ArgumentParser
import Testing

@testable import ActorRunCLI

/// Flags parse in-process into the values the library gets; bad values fail at parse time with exit 64.
@Suite struct ParsingTests {
    @Test func runFlagsBecomeRunOptions() throws {
        let command = try RunCommand.parse([
            "apify/hello-world", "-b", "1.2.34", "-t", "0", "-m", "1024", "--max-items", "5",
            "--max-total-charge-usd", "2.50", "--restart-on-error",
        ])
        #expect(command.actor == "apify/hello-world")
        #expect(
            try command.run.options()
                == RunOptions(
                    build: "1.2.34", timeoutSeconds: 0, memoryMegabytes: 1024, maxItems: 5, maxTotalChargeUsd: "2.50",
                    restartOnError: true))
    }

    @Test func inputSources() throws {
        #expect(try RunCommand.parse(["a/b"]).input.source == .implicitStandardInput)
        #expect(try RunCommand.parse(["a/b", "--no-input"]).input.source == .none)
        #expect(try RunCommand.parse(["a/b", "-i", "{}"]).input.source == .inline("{}"))
        #expect(try RunCommand.parse(["a/b", "-i", "@in.json"]).input.source == .file("in.json"))
        #expect(try RunCommand.parse(["a/b", "-i", "-"]).input.source == .standardInput)
        #expect(try RunCommand.parse(["a/b", "-f", "-"]).input.source == .standardInput)
        #expect(try RunCommand.parse(["a/b", "--input-file", "x"]).input.source == .file("x"))
    }

    @Test(arguments: [
        ["a/b", "--memory", "1000"],
        ["a/b", "--memory", "64"],
        ["a/b", "--memory", "65536"],
        ["a/b", "--timeout", "-1"],
        ["a/b", "--max-items", "0"],
        ["a/b", "--max-total-charge-usd", "free"],
        ["a/b", "-i", "{}", "-f", "x"],
        ["a/b", "--no-input", "-i", "{}"],
        ["a/b", "--wait", "soon"],
        ["a/b", "--wait", "0s"],
        ["a/b", "--detach", "-o", "x"],
        ["a/b", "--bogus"],
        ["a/b", "--build", ""],
        ["a/b", "--build", "1.2 3"],
        ["a/b", "--max-total-charge-usd", "nan"],
        ["a/b", "--max-total-charge-usd", "inf"],
        ["a/b", "--content-type", ""],
        ["a/b", "--content-type", "text/plain\r\nX-Evil: 1"],
        ["a/b", "-k", ""],
        ["a/b", "-k", "a/b"],
        ["a/b", "-o", ""],
        ["a/b", "--wait", "9223372036854775807s"],
        [],
    ])
    func usageErrors(arguments: [String]) {
        do {
            _ = try RunCommand.parse(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            #expect(RunCommand.exitCode(for: error) == ExitCode(64))
        }
    }

    @Test(arguments: [
        ("90s", 90_000), ("10m", 600_000), ("2h", 7_200_000), ("1h30m", 5_400_000), ("45", 45_000),
        ("1.5s", 1_500),
    ])
    func waitDurations(text: String, milliseconds: Int64) {
        #expect(WaitDuration(argument: text)?.duration == .milliseconds(milliseconds))
    }

    @Test func exitCodesAreTheContractsAndDistinct() {
        let codes = ExitStatus.allCases.map(\.rawValue)
        #expect(codes == [0, 1, 2, 3, 4, 5, 64, 65, 66, 67, 69, 70, 73, 75, 76, 77, 130])
        #expect(ExitStatus(endedRun: .failed) == .runFailed)
        #expect(ExitStatus(endedRun: .timedOut) == .runTimedOut)
        #expect(ExitStatus(endedRun: .aborted) == .runAborted)
        #expect(ExitStatus(.unauthorized) == .notAuthorized)
        #expect(ExitStatus(.notFound) == .notFound)
        #expect(ExitStatus(.refusedForNow) == .refusedForNow)
        #expect(ExitStatus(.unavailable) == .apiUnreachable)
        #expect(ExitStatus(.destinationFailed) == .outputUnwritable)
    }

    @Test func helpReadsLikeAManPage() {
        let help = RunCommand.helpMessage()
        #expect(help.contains("EXAMPLES"))
        #expect(help.contains("APIFY_TOKEN"))
        #expect(help.contains("~/.apify/auth.json"))
        for status in ExitStatus.allCases {
            #expect(help.contains("  \(status.rawValue) "), "exit code \(status.rawValue) missing from --help")
        }
    }

    @Test(arguments: ["", "a/b", "../x", "a b"])
    func badRunIDs(id: String) {
        do {
            _ = try WaitCommand.parse([id])
            Issue.record("'\(id)' parsed as a run ID")
        } catch {
            #expect(WaitCommand.exitCode(for: error) == ExitCode(64))
        }
    }

    @Test func tokensWithControlCharactersAreRefused() throws {
        for token in ["t\r\nX-Evil: 1", "a b", "t\u{7F}"] {
            #expect(throws: CommandFailure.self) {
                try Credentials(tokenFile: nil, tokenFlag: nil, environment: ["APIFY_TOKEN": token]).token()
            }
        }
        #expect(try Credentials(tokenFile: nil, tokenFlag: nil, environment: ["APIFY_TOKEN": " t\n"]).token() == "t")
    }

    @Test func tokenPrecedence() throws {
        let environment = ["APIFY_TOKEN": "from-env", "HOME": "/nonexistent"]
        #expect(try Credentials(tokenFile: nil, tokenFlag: nil, environment: environment).token() == "from-env")
        #expect(try Credentials(tokenFile: nil, tokenFlag: "flag", environment: environment).token() == "flag")
        #expect(try Credentials(tokenFile: nil, tokenFlag: nil, environment: ["HOME": "/nonexistent"]).token() == nil)
        #expect(throws: CommandFailure.self) {
            try Credentials(tokenFile: "/nonexistent/token", tokenFlag: nil, environment: environment).token()
        }
    }
}
