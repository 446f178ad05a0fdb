import ApifyClient
import ArgumentParser
import FoundationEssentials
import Glibc

/// `actor-run runs <actor|task>`: the newest runs, as a table on a terminal, tab-separated text elsewhere, or JSON
/// Lines of run objects.
struct RunsCommand: ActorRunSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the newest runs of an actor (or, with --task, of a saved task).",
        usage: "actor-run runs <actor|task> [--limit <n>] [--status <status>] [--json]",
        discussion: HelpText.runs
    )

    @Argument(
        help: "The actor (or task, with --task): user/name, user~name or an ID.", transform: ActorArgument.actorOrTask)
    var name: ActorReference

    @Flag(help: "The name is a saved task's.")
    var task = false

    @Option(help: ArgumentHelp("How many runs, newest first (1 to 1000, default 10).", valueName: "n"))
    var limit = 10

    @Option(help: ArgumentHelp("Only runs with this status (e.g. SUCCEEDED, FAILED, RUNNING).", valueName: "status"))
    var status: String?

    @Flag(help: "One run object a line (JSON Lines), as the API sent it.")
    var json = false

    @OptionGroup var verbosity: VerbosityFlags
    @OptionGroup var connection: ConnectionFlags

    static let statuses = ["READY", "RUNNING", "SUCCEEDED", "FAILED", "TIMING-OUT", "TIMED-OUT", "ABORTING", "ABORTED"]

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000, got \(limit)") }
        if let status, !Self.statuses.contains(status.uppercased()) {
            throw ValidationError("--status must be one of \(Self.statuses.joined(separator: ", ")), got '\(status)'")
        }
    }

    func execute(interrupts: Interrupts) async -> ExitStatus {
        let reporter = verbosity.reporter
        return await reporter.reportingFailures {
            let reference = name
            let api = try connection.session(reporter: reporter, isVerbose: verbosity.verbose).makeAPI()
            interrupts.arm()
            let wanted = status?.uppercased()
            var runs: [Run]
            do {
                runs = try await api.listRuns(
                    task ? .task(reference) : .actor(reference), limit: limit, status: wanted)
            } catch let error as ApifyError where error.kind == .notFound && !task {
                // `runs NAME` takes an actor or a task, as the contract has it: no such actor, so a task.
                runs = try await api.listRuns(.task(reference), limit: limit, status: wanted)
            }
            var text = ""
            if json {
                for run in runs { text += String(decoding: run.json, as: UTF8.self) + "\n" }
            } else {
                let rows = runs.map(Self.row)
                text =
                    isatty(STDOUT_FILENO) == 1
                    ? Self.table(rows) : rows.map { $0.joined(separator: "\t") + "\n" }.joined()
            }
            FileDescriptorWriter.write(text, to: STDOUT_FILENO)
            return .success
        }
    }

    private static func row(_ run: Run) -> [String] {
        let duration = run.durationMillis.map { Duration.milliseconds($0).formattedSeconds } ?? "-"
        return [
            run.id, run.status.rawValue, run.startedAt ?? "-", duration, run.buildNumber ?? "-", run.origin ?? "-",
        ]
    }

    /// Columns padded to their widest cell, under a header.
    private static func table(_ rows: [[String]]) -> String {
        let all = [["ID", "STATUS", "STARTED", "DURATION", "BUILD", "ORIGIN"]] + rows
        let widths = (0..<6).map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            zip(row, widths).map { cell, width in cell + String(repeating: " ", count: width - cell.count) }
                .joined(separator: "  ").trimmingWhitespace() + "\n"
        }.joined()
    }
}
