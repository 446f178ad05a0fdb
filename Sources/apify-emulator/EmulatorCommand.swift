import ApifyEmulator
import ArgumentParser
import Foundation

/// `apify-emulator`: serves the emulated Apify API until SIGINT or SIGTERM.
///
/// Thin by design: options become an `EmulatorConfiguration`, the library does the rest.
@main
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apify-emulator",
        abstract: "Serve an offline, in-memory emulation of the Apify API v2 on a loopback port.",
        discussion: """
            Prints its base URL (http://HOST:PORT) as the first line of stdout, then logs one line per request to \
            stderr (unless --quiet). SIGINT or SIGTERM stops it with exit status 0.

            Built-in actors: apify/hello-world, emulator/echo, emulator/fail, emulator/abort, emulator/sleep, \
            emulator/no-output, emulator/binary, emulator/redirect; built-in task: emulator/hello-task. Add your \
            own with --actors (format: Sources/ApifyEmulator/ApifyEmulator.docc/ACTORS.md).

            --faults injects failures, e.g. 'POST /v2/actors/*/runs: close-after; GET /v2/actor-runs/*: 503 x2' \
            (syntax: the FAULTS section of ACTORS.md).

            Natural limits as on the platform: per-resource rate limits (60 requests/s, 200 for record reads, 400 for \
            run starts; X-RateLimit-Limit on every answer, 429 rate-limit-exceeded above it), --concurrent-runs \
            (402 concurrent-runs-limit-exceeded) and --memory-limit (402 actor-memory-limit-exceeded).

            --tls serves HTTPS (HTTP/2 or HTTP/1.1 by ALPN) with a certificate for 127.0.0.1, ::1 and localhost, \
            signed by a CA made at start-up and written to --ca-file (else to a temporary file, named on stderr): \
            point clients at it, e.g. actor-run --cacert FILE. The base URL is then https://HOST:PORT.

            GET /_emulator/requests lists every request received, as JSON, for CI scripts to assert on, with the \
            connection each came on and its HTTP version.
            """,
        version: EmulatorVersion.current
    )

    @Option(help: "The address to listen on; keep it on loopback.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 0

    @Option(help: "Accept only this API token (by default any non-empty token is accepted).")
    var token: String?

    @Flag(help: "Do not log requests to stderr.")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "A JSON (or .yaml/.yml) file of extra actors and tasks: {\"actors\": [...], \"tasks\": [...]}.",
            valueName: "file"))
    var actors: String?

    @Option(help: ArgumentHelp("Faults to inject: 'RULE; RULE' (see ACTORS.md, FAULTS).", valueName: "spec"))
    var faults: String?

    @Option(help: ArgumentHelp("The account memory limit of READY and RUNNING runs, in MB.", valueName: "mb"))
    var memoryLimit = 32768

    @Option(help: ArgumentHelp("How many runs may be going at once.", valueName: "n"))
    var concurrentRuns = 32

    @Option(
        help: ArgumentHelp(
            "Requests per second per resource, for every endpoint (default: the platform's 60, 200, 400).",
            valueName: "n"))
    var rateLimit: Int?

    @Flag(help: "Do not limit requests per resource (no 429 rate-limit-exceeded, no X-RateLimit-Limit).")
    var noRateLimit = false

    @Option(
        help: ArgumentHelp(
            "Also accept this token, read-only: starts, aborts and resurrects with it answer 403.", valueName: "token"))
    var readOnlyToken: String?

    @Option(help: ArgumentHelp("How long run-sync waits before 408 run-timeout-exceeded.", valueName: "seconds"))
    var runSyncWait: Double = 300

    @Option(
        help: ArgumentHelp(
            "Also write the base URL to this file, atomically (a new file renamed into place) once the server listens.",
            valueName: "file"))
    var urlFile: String?

    @Flag(help: "Serve HTTPS (HTTP/2 and HTTP/1.1) with a certificate signed by a CA made at start-up.")
    var tls = false

    @Option(
        help: ArgumentHelp(
            "With --tls, write the CA certificate (PEM) to this file (default: a new temporary file).",
            valueName: "file"))
    var caFile: String?

    func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be between 0 and 65535, got \(port)")
        }
        guard memoryLimit > 0 else {
            throw ValidationError("--memory-limit must be more than 0, got \(memoryLimit)")
        }
        guard concurrentRuns > 0 else {
            throw ValidationError("--concurrent-runs must be more than 0, got \(concurrentRuns)")
        }
        if let rateLimit, rateLimit <= 0 {
            throw ValidationError("--rate-limit must be more than 0, got \(rateLimit)")
        }
        if rateLimit != nil, noRateLimit {
            throw ValidationError("--rate-limit and --no-rate-limit exclude each other")
        }
        if caFile != nil, !tls {
            throw ValidationError("--ca-file needs --tls")
        }
        guard runSyncWait >= 0, runSyncWait.isFinite else {
            throw ValidationError("--run-sync-wait must be 0 or more seconds, got \(runSyncWait)")
        }
        if let faults {
            do {
                _ = try FaultRule.parse(faults)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    func run() async throws {
        let catalog = try actors.map { try ActorCatalog.load(contentsOf: $0) } ?? ActorCatalog(actors: [])
        let configuration = EmulatorConfiguration(
            host: host, port: port, token: token, quiet: quiet, extraActors: catalog.actors,
            extraTasks: catalog.tasks, faults: try FaultRule.parse(faults ?? ""), memoryLimitMbytes: memoryLimit,
            runSyncWaitSecs: runSyncWait, concurrentRunsLimit: concurrentRuns,
            rateLimits: noRateLimit ? nil : rateLimit.map(RateLimits.uniform) ?? .platform,
            readOnlyToken: readOnlyToken, tls: tls ? TLSOptions(caFilePath: caFile) : nil
        )
        if let urlFile {
            // A file left by an earlier start must not be read as this one's URL.
            try? FileManager.default.removeItem(atPath: urlFile)
        }
        let signals = TerminationSignals()
        let server = try await EmulatorServer.start(configuration)
        if let urlFile {
            // Before stdout, so a parent that has read the first line finds the file too.
            do {
                try Self.writeAtomically(server.baseURL + "\n", to: urlFile)
            } catch {
                await server.stop()
                throw error
            }
        }
        // Unbuffered, so a parent reading the first line sees it at once even through a pipe.
        FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
        if let caFilePath = server.caFilePath, caFile == nil {
            let note = "apify-emulator: CA certificate in \(caFilePath) (trust it with actor-run --cacert)\n"
            FileHandle.standardError.write(Data(note.utf8))
        }
        await signals.next()
        await server.stop()
    }

    /// Writes a sibling temporary file and renames it over `path`, so a reader sees the old file or the whole new
    /// one, never a partial or stale URL of this start.
    static func writeAtomically(_ text: String, to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ValidationError("cannot write the URL file \(path): \(error.localizedDescription)")
        }
    }
}
