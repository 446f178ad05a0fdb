import ApifyClient
import ArgumentParser
import Foundation

/// Where the API is and who we are to it.
struct ConnectionFlags: ParsableArguments {
    @Option(
        name: .customLong("api-url"),
        help: ArgumentHelp("API base URL (default: $APIFY_API_BASE_URL, else https://api.apify.com).", valueName: "url")
    )
    var apiURL: String?

    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp(
            "Read the API token from this file.",
            valueName: "path"))
    var tokenFile: String?

    @Option(
        help: ArgumentHelp(
            "The API token (visible in `ps`: prefer APIFY_TOKEN or --token-file).",
            valueName: "token"))
    var token: String?

    @Option(
        help: ArgumentHelp(
            "Repeat a request this many times when that is safe (429, network errors on reads).",
            valueName: "n"))
    var retries = 5

    func validate() throws {
        if retries < 0 { throw ValidationError("--retries must be 0 or more, got \(retries)") }
    }

    /// The session these flags describe: where the API is, the token, how often to retry.
    /// - Parameter requiresToken: whether the command cannot work without a token (starting and aborting runs;
    ///   reading a run by its ID works without one), so that a missing token stops it before any request.
    func session(reporter: Reporter, isVerbose: Bool, requiresToken: Bool = false) throws(CommandFailure)
        -> RunSession
    {
        let environment = ProcessInfo.processInfo.environment
        let token = try credentials(environment: environment).token()
        if requiresToken && token == nil {
            throw CommandFailure(
                status: .notAuthorized,
                message: "no API token: set APIFY_TOKEN, pass --token-file, or run `apify login`")
        }
        if self.token != nil {
            reporter.error("warning: --token is visible to other users in `ps`; prefer APIFY_TOKEN or --token-file")
        }
        let configuration = ApifyConfiguration(
            baseURL: try baseURL(environment: environment),
            token: token,
            // Unique per invocation, so that a run whose start answer was lost can be found by it.
            userAgent: "actor-run/\(HelpText.version) (invocation \(UUID().uuidString.lowercased()))",
            maximumAttempts: retries + 1
        )
        return RunSession(configuration: configuration, reporter: reporter, isVerbose: isVerbose)
    }

    func credentials(environment: [String: String]) -> Credentials {
        Credentials(tokenFile: tokenFile, tokenFlag: token, environment: environment)
    }

    func baseURL(environment: [String: String]) throws(CommandFailure) -> String {
        let url =
            apiURL ?? environment["APIFY_API_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ApifyConfiguration.defaultBaseURL
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), URLComponents(string: url)?.host?.isEmpty == false
        else {
            throw CommandFailure(
                status: .usage, message: "the API URL must be http:// or https:// and a host, got '\(url)'")
        }
        return url
    }
}
