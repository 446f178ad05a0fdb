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
        #expect(command.actor.pathComponent == "apify~hello-world")
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
        let help = ActorRunCommand.helpMessage(columns: 80)
        #expect(help.contains("APIFY_TOKEN"))
        #expect(help.contains("~/.apify/auth.json"))
        for status in ExitStatus.allCases {
            #expect(help.contains("  \(status.rawValue) "), "exit code \(status.rawValue) missing from --help")
        }
        for command in ActorRunCommand.configuration.subcommands {
            let text = ActorRunCommand.helpMessage(for: command, columns: 80)
            #expect(text.contains("\nEXAMPLES\n  "), "\(command) help has no EXAMPLES")
            #expect(text.contains("\nEXIT STATUS\n  0 "), "\(command) help has no EXIT STATUS")
            let wide = text.split(separator: "\n").filter { $0.count > 80 }
            #expect(wide.isEmpty, "\(command) help is wider than 80 columns: \(wide)")
        }
    }

    @Test(
        arguments: [
            ("list", nil), ("ouput", "output"), ("wiat", "wait"), ("rnus", "runs"), ("bogus", nil),
        ] as [(String, String?)])
    func bareWordsAreCommandsNeverActors(word: String, suggestion: String?) {
        let failure = UnknownCommand(word)
        #expect(failure?.suggestion == suggestion)
        #expect(failure?.description.hasPrefix("'\(word)' is not a command") == true)
    }

    @Test func wordsThatNameSomethingAreNotUnknownCommands() {
        for word in ["output", "help", "apify/hello-world", "user~name", "~mine", "HG7ML7M8z78YcAPEB", "--json"] {
            #expect(UnknownCommand(word) == nil, "\(word)")
        }
    }

    @Test(arguments: [
        ("Unknown option '--bogus'. Did you mean '--logs'?", "Unknown option '--bogus'"),
        ("Unknown option '--memroy'. Did you mean '--memory'?", "Unknown option '--memroy'. Did you mean '--memory'?"),
        ("Unknown option '--jsn'. Did you mean '--json'?", "Unknown option '--jsn'. Did you mean '--json'?"),
    ])
    func onlyNearMissesAreSuggested(message: String, shown: String) {
        #expect(NearMiss.dropFarSuggestion(from: message) == shown)
    }

    @Test(arguments: [
        (["a/b", "--memory", "-5"], "The value '-5' is invalid for '--memory <mb>': use a power of 2"),
        (["a/b", "--timeout", "-1"], "The value '-1' is invalid for '--timeout <seconds>': use a number of seconds"),
        (["a/b", "--wait", "500ms"], "The value '500ms' is invalid for '--wait <duration>': use seconds or a"),
        (["a/b", "--format", "x", "--dataset"], "Please provide one of the following: json, jsonl, csv"),
        (["output", "ID1", "--limit", "-3", "--dataset"], "The value '-3' is invalid for '--limit <n>'"),
    ])
    func badValuesSayWhatToType(arguments: [String], expected: String) {
        do {
            _ = try ActorRunMain.parseCommand(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            let line = ActorRunMain.usageLine(for: error, arguments)
            #expect(line.contains(expected), "\(line)")
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
