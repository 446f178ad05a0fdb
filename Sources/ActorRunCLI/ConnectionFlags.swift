import ApifyClient
import ArgumentParser
import CurlHTTP
import FoundationEssentials
import Glibc

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

    @Option(
        name: .customLong("retry-max-time"),
        help: ArgumentHelp(
            "Stop repeating a request this many seconds after its first try (as curl's flag).",
            valueName: "seconds"))
    var retryMaxTime = 10.0

    @Option(
        name: .customLong("request-timeout"),
        help: ArgumentHelp(
            "Give up on one request (a start, an abort) after this many seconds (long-polls and downloads have"
                + " their own limits).",
            valueName: "seconds"))
    var requestTimeout = 60.0

    @Option(
        name: .customLong("cacert"),
        help: ArgumentHelp(
            "Verify the API with these CA certificates (PEM) instead of the system's (else $SSL_CERT_FILE,"
                + " $CURL_CA_BUNDLE).",
            valueName: "file"))
    var caBundle: String?

    func validate() throws {
        if retries < 0 { throw ValidationError("--retries must be 0 or more, got \(retries)") }
        if !(retryMaxTime >= 0 && retryMaxTime <= 86_400) {
            throw ValidationError("--retry-max-time must be seconds from 0 to 86400, got \(retryMaxTime)")
        }
        if !(requestTimeout >= 1 && requestTimeout <= 86_400) {
            throw ValidationError("--request-timeout must be seconds from 1 to 86400, got \(requestTimeout)")
        }
    }

    /// The session these flags describe: where the API is, the token, how often to retry.
    /// - Parameter requiresToken: whether the command cannot work without a token (starting and aborting runs;
    ///   reading a run by its ID works without one), so that a missing token stops it before any request.
    func session(reporter: Reporter, isVerbose: Bool, requiresToken: Bool = false) throws(CommandFailure)
        -> RunSession
    {
        let environment = ProcessInfo.processInfo.environment
        let token = try credentials(environment: environment).token { reporter.error($0) }
        if requiresToken && token == nil {
            throw CommandFailure(
                status: .notAuthorized,
                message: "no API token: set APIFY_TOKEN, pass --token-file, or run `apify login`")
        }
        if self.token != nil {
            reporter.error("warning: --token is visible to other users in `ps`; prefer APIFY_TOKEN or --token-file")
        }
        let base = try baseURL(environment: environment)
        if let warning = Self.plainHTTPWarning(for: base) { reporter.error(warning) }
        let caBundle = try caBundle(environment: environment)
        // Loading since before main (CProcessSetup): everything above overlapped it.
        do {
            try CurlLibrary.load()
        } catch {
            throw CommandFailure(status: .apiUnreachable, message: error.message)
        }
        let configuration = ApifyConfiguration(
            baseURL: base,
            token: token,
            // Unique per invocation, so that a run whose start answer was lost can be found by it.
            userAgent: "actor-run/\(HelpText.version) (invocation \(UUID().uuidString.lowercased()))",
            maximumAttempts: retries + 1,
            retryBudget: .milliseconds(Int64(retryMaxTime * 1000)),
            requestTimeout: .milliseconds(Int64(requestTimeout * 1000))
        )
        return RunSession(configuration: configuration, caBundle: caBundle, reporter: reporter, isVerbose: isVerbose)
    }

    /// `--cacert`, else libcurl's own environment variables, which a CurlSession would not read by itself.
    private func caBundle(environment: [String: String]) throws(CommandFailure) -> String? {
        let named = [
            ("--cacert", caBundle), ("SSL_CERT_FILE", environment["SSL_CERT_FILE"]),
            ("CURL_CA_BUNDLE", environment["CURL_CA_BUNDLE"]),
        ]
        guard let (source, path) = named.first(where: { $0.1?.isEmpty == false }), let path else { return nil }
        guard access(path, R_OK) == 0 else {
            throw CommandFailure(
                status: .inputUnreadable,
                message: "cannot read the CA certificates '\(path)' (\(source)): \(String(cString: strerror(errno)))")
        }
        // libcurl would only say "error setting certificate file" once the request is under way.
        guard Self.holdsCertificate(path) else {
            throw CommandFailure(
                status: .inputUnreadable,
                message: "the CA certificates '\(path)' (\(source)) hold no PEM certificate"
                    + " (-----BEGIN CERTIFICATE-----); give the CA in PEM form")
        }
        return path
    }

    /// Whether the file holds a PEM certificate's first line. Read 64 KiB at a time and only as far as the first
    /// one, which in a bundle is near the start (the system's whole bundle, 200 KB and more, is not read on every
    /// run); a bundle that opens with long CRLs or comments is read on, whatever its size.
    private static func holdsCertificate(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let marker = Array("-----BEGIN CERTIFICATE-----".utf8)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        // The last bytes of the previous chunk lead each search, for a marker split between two reads.
        var window: [UInt8] = []
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            window += chunk[..<count]
            if window.firstRange(of: marker) != nil { return true }
            window.removeFirst(max(0, window.count - (marker.count - 1)))
        }
    }

    /// A warning when the token would cross a network in the clear: plain http to a host off this machine.
    static func plainHTTPWarning(for base: String) -> String? {
        guard base.lowercased().hasPrefix("http://"), let host = URLComponents(string: base)?.host, !isLoopback(host)
        else { return nil }
        return "warning: \(base) is plain http: the token and the data cross the network unencrypted"
    }

    private static func isLoopback(_ host: String) -> Bool {
        let bare = host.filter { $0 != "[" && $0 != "]" }.lowercased()
        return bare == "localhost" || bare.hasSuffix(".localhost") || bare == "::1" || bare.hasPrefix("127.")
    }

    func credentials(environment: [String: String]) -> Credentials {
        Credentials(tokenFile: tokenFile, tokenFlag: token, environment: environment)
    }

    /// The API's base URL, normalised: the scheme in any case, a trailing `/` or `/v2` tolerated; a path, query,
    /// fragment, credentials or a port out of range refused before anything is sent.
    func baseURL(environment: [String: String]) throws(CommandFailure) -> String {
        let given =
            apiURL ?? environment["APIFY_API_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ApifyConfiguration.defaultBaseURL
        return try Self.normalizedBaseURL(given)
    }

    static func normalizedBaseURL(_ given: String) throws(CommandFailure) -> String {
        func refuse(_ why: String) -> CommandFailure {
            CommandFailure(status: .usage, message: "the API URL \(why), got '\(given)' (e.g. https://api.apify.com)")
        }
        guard let separator = given.firstRange(of: "://") else { throw refuse("must start with http:// or https://") }
        let scheme = given[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw refuse("must start with http:// or https://") }
        var rest = String(given[separator.upperBound...])
        guard !rest.contains("?"), !rest.contains("#") else { throw refuse("must not have a query or fragment") }
        while rest.hasSuffix("/") { rest.removeLast() }
        if rest.lowercased().hasSuffix("/v2") { rest.removeLast(3) }
        while rest.hasSuffix("/") { rest.removeLast() }
        guard !rest.contains("/") else { throw refuse("is scheme, host and port only (the tool adds /v2/...)") }
        guard !rest.contains("@") else { throw refuse("must not carry credentials (the token goes in APIFY_TOKEN)") }
        let url = "\(scheme)://\(rest)"
        guard let components = URLComponents(string: url), components.host?.isEmpty == false else {
            throw refuse("must name a host")
        }
        if let port = components.port, !(1...65535).contains(port) { throw refuse("has a port out of 1-65535") }
        if rest.hasSuffix(":")
            || (components.port == nil && rest.split(separator: ":").count > 1 && !rest.hasPrefix("["))
        {
            throw refuse("has a port that is not a number")
        }
        return url
    }
}
