/// An actor or task as a user names it: `user/name`, `user~name`, `~name` or an ID.
public struct ActorReference: Sendable, Equatable, CustomStringConvertible {
    /// The form the API takes in a URL path: `/` would split the path, so `user/name` becomes `user~name`.
    public let pathComponent: String

    /// Fails with a message for the user when the text cannot name an actor (or what `naming` says). A bare word
    /// must be a platform ID (17 letters or digits), so that a mistyped command is never taken for an actor.
    public init(parsing text: String, naming noun: String = "an actor") throws(ApifyError) {
        let slashes = text.utf8.count { $0 == UInt8(ascii: "/") }
        let tildes = text.utf8.count { $0 == UInt8(ascii: "~") }
        let path = slashes == 1 && tildes == 0 ? String(text.map { $0 == "/" ? "~" : $0 }) : text
        let parts = path.split(separator: "~", omittingEmptySubsequences: false)
        let isValid =
            !path.isEmpty && slashes <= 1 && parts.count <= 2
            && parts.last.map { !$0.isEmpty } == true
            && path.utf8.allSatisfy { Self.allowed.contains($0) }
            && (parts.count == 2 || Self.isPlatformID(path))
        guard isValid else {
            throw ApifyError(
                kind: .invalidArgument,
                message: "'\(text)' is not \(noun): use user/name, user~name or a 17-character ID"
            )
        }
        pathComponent = path
    }

    /// Whether a word has the shape of the platform's IDs: 17 ASCII letters or digits.
    public static func isPlatformID(_ word: String) -> Bool {
        word.utf8.count == 17 && word.utf8.allSatisfy { Self.alphanumeric.contains($0) }
    }

    private static let alphanumeric = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8))
    /// The characters of user names, actor names and IDs, and the `~` between them.
    private static let allowed = alphanumeric.union("-_.~".utf8)

    public var description: String { pathComponent }
}
