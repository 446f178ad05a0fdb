/// The long help of each command: what it does, EXAMPLES and EXIT STATUS, as a man page has them. The man page
/// (`actor-run.1`) and the README's flag tables come from the same command tree.
enum HelpText {
    static let version = "0.1.0"

    /// `actor-run --help`: the commands are listed by the parser (SUBCOMMANDS); this says how they fit.
    static var overview: String {
        """
        `actor-run <actor>` starts a run of the actor on the Apify platform, prints the run ID and its status \
        on stderr, waits until it ends, and writes the run's OUTPUT record to stdout, byte for byte. stdout \
        carries only the output; everything for people goes to stderr. The other commands attach to runs, print \
        their output or log, abort them, list them, or run an actor once per line of a file. \
        `actor-run help <command>` shows a command's options.

        \(examples([
            "actor-run apify/hello-world --memory 1024",
            #"echo '{"message": "Ada"}' | actor-run apify/hello-world > output.json"#,
            "actor-run help run",
            "actor-run runs apify/hello-world --limit 5",
        ]))

        TOKEN AND API
          The token: --token-file PATH, else $APIFY_TOKEN, else the token field of
          ~/.apify/auth.json (as `apify login` writes it). It is sent only in the
          Authorization header.
          The API: --api-url, else $APIFY_API_BASE_URL, else https://api.apify.com.
          Offline: `apify-emulator --port 0` prints the URL of a local API to use.

        \(exitStatus(ExitStatus.allCases))
        """
    }

    static var run: String {
        """
        Starts a run of the actor, prints the run ID and its status changes on stderr, waits until it ends, and \
        writes the run's OUTPUT record to stdout, byte for byte (or, as asked, another record, the dataset's \
        items, or the run object).

        INPUT
          With no input flag, a stdin that is not a terminal is read as the input.
          JSON input is checked before anything is sent; over 9 MiB is refused.

        \(examples([
            "actor-run apify/hello-world --memory 1024",
            #"echo '{"message": "Ada"}' | actor-run apify/hello-world > output.json"#,
            "actor-run apify/hello-world -i @input.json -o output.json --wait 10m",
            "actor-run user~my-actor --build 1.2.34 --timeout 0 --dataset --format csv",
            #"run=$(actor-run user/slow-actor --detach) && actor-run wait "$run""#,
        ]))

        \(exitStatus(ExitStatus.allCases))
        """
    }

    static var task: String {
        """
        The input must be a JSON object: its fields override the task's, one by one.

        \(examples([
            "actor-run task my-user/nightly-crawl",
            #"actor-run task my-user/nightly-crawl -i '{"maxPages": 10}' --dataset"#,
        ]))

        \(exitStatus(ExitStatus.allCases))
        """
    }

    static var resurrect: String {
        """
        The run keeps its storages; run options left out keep the run's previous values.

        \(examples(["actor-run resurrect HG7ML7M8z78YcAPEB --timeout 600"]))

        \(exitStatus(ExitStatus.allCases))
        """
    }

    static var wait: String {
        """
        An interrupt leaves the run going (it was started elsewhere).

        \(examples([
            #"run=$(actor-run user/slow-actor --detach) && actor-run wait "$run" --wait 2h"#,
            "actor-run wait HG7ML7M8z78YcAPEB --json | jq .status",
        ]))

        \(exitStatus(ExitStatus.allCases.filter { $0 != .badInput && $0 != .inputUnreadable }))
        """
    }

    static var output: String {
        """
        Prints what the run has now: its record, its dataset's items or the run object.

        \(examples([
            "actor-run output HG7ML7M8z78YcAPEB > output.json",
            "actor-run output HG7ML7M8z78YcAPEB --dataset --format csv --limit 100",
        ]))

        \(exitStatus(queries + [.recordMissing, .outputUnwritable]))
        """
    }

    static var log: String {
        """
        The log goes to stdout: here it is the data asked for.

        \(examples(["actor-run log HG7ML7M8z78YcAPEB --follow | grep ERROR"]))

        \(exitStatus(queries))
        """
    }

    static var abort: String {
        """
        Exits 0 once the platform has taken the abort; aborting an ended run changes nothing.

        \(examples(["actor-run abort HG7ML7M8z78YcAPEB", "actor-run abort HG7ML7M8z78YcAPEB --force"]))

        \(exitStatus(queries))
        """
    }

    static var runs: String {
        """
        Columns: ID, STATUS, STARTED, DURATION, BUILD, ORIGIN. A table on a terminal, tab-separated text \
        otherwise (one run a line, no header), or with --json one run object a line (JSON Lines).

        \(examples([
            "actor-run runs apify/hello-world --limit 5",
            "actor-run runs my-user/my-task --task --status FAILED --json | jq -r .id",
        ]))

        \(exitStatus(queries))
        """
    }

    static var batch: String {
        """
        Every line is checked before the first run starts (a bad line: exit 65, nothing started). With \
        --output-dir DIR, line n's OUTPUT goes to DIR/NNNNNN.<ext> and DIR/runs.jsonl gets one object per ended \
        line; running the same command again skips the lines that SUCCEEDED, re-attaches to runs that were \
        started, and never starts a line twice. Without it, one JSON object per line goes to stdout.

        \(examples([
            #"jq -c '{url: .}' urls.json > inputs.jsonl"#,
            "actor-run batch user/scraper --inputs inputs.jsonl --parallel 8 --output-dir out",
        ]))

        EXIT STATUS
          0    every line SUCCEEDED
          1    a line did not SUCCEED (the summary on stderr names the lines)
        \(rows([.usage, .badInput, .inputUnreadable, .notFound, .apiUnreachable, .outputUnwritable,
            .notAuthorized, .interrupted]))
        """
    }

    /// What every command that only reads or aborts can end with.
    private static let queries: [ExitStatus] = [
        .success, .usage, .notFound, .apiUnreachable, .refusedForNow, .badAnswer, .notAuthorized, .interrupted,
    ]

    private static func examples(_ lines: [String]) -> String {
        "EXAMPLES\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }

    private static func exitStatus(_ statuses: [ExitStatus]) -> String {
        "EXIT STATUS\n" + rows(statuses.sorted { $0.rawValue < $1.rawValue })
    }

    private static func rows(_ statuses: [ExitStatus]) -> String {
        statuses.map { code in
            let number = String(code.rawValue)
            return "  " + number + String(repeating: " ", count: max(1, 5 - number.count)) + code.meaning
        }
        .joined(separator: "\n")
    }
}
