import Foundation

/// Finds the API token, first found wins: `--token-file`, `--token`, `APIFY_TOKEN`, then the `token` field
/// of `~/.apify/auth.json` as `apify login` writes it (read only, never written).
struct Credentials {
    var tokenFile: String?
    var tokenFlag: String?
    var environment: [String: String]
    var homeDirectory: String?

    func token() throws(CommandFailure) -> String? {
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw CommandFailure(status: .inputUnreadable, message: "cannot read token file '\(tokenFile)'")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw CommandFailure(status: .notAuthorized, message: "token file '\(tokenFile)' is empty")
            }
            return token
        }
        if let tokenFlag, !tokenFlag.isEmpty { return tokenFlag }
        if let token = environment["APIFY_TOKEN"], !token.isEmpty { return token }
        return tokenFromAuthFile()
    }

    private func tokenFromAuthFile() -> String? {
        guard let home = homeDirectory ?? environment["HOME"],
            let data = FileManager.default.contents(atPath: "\(home)/.apify/auth.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let token = object["token"] as? String, !token.isEmpty
        else { return nil }
        return token
    }
}
