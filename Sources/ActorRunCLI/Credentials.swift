import FoundationEssentials

/// Finds the API token, first found wins: `--token-file`, `--token`, `APIFY_TOKEN`, then the `token` field
/// of `~/.apify/auth.json` as `apify login` writes it (read only, never written).
struct Credentials {
    var tokenFile: String?
    var tokenFlag: String?
    var environment: [String: String]

    /// - Parameter warn: told when a file that should hold the token is there but unusable (and so ignored).
    func token(warn: (String) -> Void = { _ in }) throws(CommandFailure) -> String? {
        if let tokenFile {
            let bytes = try InputReader.readFile(tokenFile, role: "token file")
            return try checked(String(decoding: bytes, as: UTF8.self), from: "token file '\(tokenFile)'")
        }
        if let tokenFlag { return try checked(tokenFlag, from: "--token") }
        if let token = environment["APIFY_TOKEN"], !token.isEmpty { return try checked(token, from: "APIFY_TOKEN") }
        return try tokenFromAuthFile(warn: warn)
    }

    /// Surrounding whitespace (a file's last newline) goes; anything else that could break the header line
    /// (a line break inside, a control character) is refused here rather than sent.
    private func checked(_ text: String, from source: String) throws(CommandFailure) -> String {
        let token = text.trimmingWhitespace()
        guard !token.isEmpty else {
            throw CommandFailure(status: .notAuthorized, message: "the API token in \(source) is empty")
        }
        guard token.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value != 0x7F }) else {
            throw CommandFailure(
                status: .notAuthorized,
                message: "the API token in \(source) contains a space, line break or other control character")
        }
        return token
    }

    private func tokenFromAuthFile(warn: (String) -> Void) throws(CommandFailure) -> String? {
        guard let home = environment["HOME"],
            let data = FileManager.default.contents(atPath: "\(home)/.apify/auth.json")
        else { return nil }
        guard let file = try? JSONDecoder().decode(AuthFile.self, from: data), let token = file.token, !token.isEmpty
        else {
            warn(
                "warning: ~/.apify/auth.json is not JSON with a \"token\" string (run `apify login` again); ignoring it"
            )
            return nil
        }
        return try checked(token, from: "~/.apify/auth.json")
    }
}

/// The part of `apify login`'s `~/.apify/auth.json` this tool reads.
private struct AuthFile: Decodable {
    var token: String?
}
