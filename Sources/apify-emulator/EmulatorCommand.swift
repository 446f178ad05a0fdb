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
            emulator/no-output, emulator/binary, emulator/redirect. Add your own with --actors (format: \
            Sources/ApifyEmulator/ApifyEmulator.docc/ACTORS.md).

            GET /_emulator/requests lists every request received, as JSON, for CI scripts to assert on.
            """
    )

    @Option(help: "The address to listen on; keep it on loopback.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 0

    @Option(help: "Accept only this API token (by default any non-empty token is accepted).")
    var token: String?

    @Flag(help: "Do not log requests to stderr.")
    var quiet = false

    @Option(help: ArgumentHelp("A JSON file of extra actors: {\"actors\": [...]}.", valueName: "file"))
    var actors: String?

    func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be between 0 and 65535, got \(port)")
        }
    }

    func run() async throws {
        let extraActors = try actors.map { try ActorCatalog.load(contentsOf: $0).actors } ?? []
        let configuration = EmulatorConfiguration(
            host: host, port: port, token: token, quiet: quiet, extraActors: extraActors)
        let signals = TerminationSignals()
        let server = try await EmulatorServer.start(configuration)
        // Unbuffered, so a parent reading the first line sees it at once even through a pipe.
        FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
        await signals.next()
        await server.stop()
    }
}
