import Foundation
import Testing

@testable import ActorRunCLI

/// The README's flag table is checked against the command tree: every flag it lists exists, and every flag of
/// `actor-run <actor>` is listed, so that the front door never documents a flag that is gone or misses a new one.
@Suite struct ReadmeFlagsTests {
    /// Flags the table leaves out on purpose: the parser's own, and `--token`, which the README explains in prose
    /// because it is the form to avoid.
    private static let unlisted: Set<String> = ["-h", "--help", "--version", "--token"]

    @Test func theFlagTableMatchesTheRunCommand() throws {
        let readme = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## Flags\n").dropFirst().first)
        let table =
            section.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .newlines) }
            .first { $0.hasPrefix("| flag ") } ?? ""
        var documented: Set<String> = []
        for row in table.split(separator: "\n").dropFirst(2) {
            let cell = row.split(separator: "|", omittingEmptySubsequences: true).first ?? ""
            for word in cell.split(whereSeparator: { " ,/`".contains($0) })
            where word.wholeMatch(of: /--?[a-z][a-z0-9-]*/) != nil {
                documented.insert(String(word))
            }
        }
        let real = try Self.flags(of: "run")
        #expect(!documented.isEmpty)
        #expect(documented.subtracting(real).isEmpty, "in the README but not in `actor-run run`")
        #expect(real.subtracting(documented).subtracting(Self.unlisted).isEmpty, "in `actor-run run` but not in README")
    }

    /// Every name (`-b`, `--build`, `--no-logs`) of a command's options and flags, from ArgumentParser's own dump.
    static func flags(of command: String) throws -> Set<String> {
        let dump = try #require(
            JSONSerialization.jsonObject(with: Data(ActorRunCommand._dumpHelp().utf8)) as? [String: Any])
        let root = try #require(dump["command"] as? [String: Any])
        let subcommands = try #require(root["subcommands"] as? [[String: Any]])
        let run = try #require(subcommands.first { $0["commandName"] as? String == command })
        var names: Set<String> = []
        for argument in run["arguments"] as? [[String: Any]] ?? [] {
            for name in argument["names"] as? [[String: String]] ?? [] {
                switch name["kind"] {
                case "short": names.insert("-" + (name["name"] ?? ""))
                default: names.insert("--" + (name["name"] ?? ""))
                }
            }
        }
        return names
    }
}
