/// An actor or task as a user names it: `user/name`, `user~name`, `~name` or an ID.
public struct ActorReference: Sendable, Equatable, CustomStringConvertible {
    /// The form the API takes in a URL path: `/` would split the path, so `user/name` becomes `user~name`.
    public let pathComponent: String

    /// Fails with a message for the user when the text cannot name an actor (or what `naming` says).
    public init(parsing text: String, naming noun: String = "an actor") throws(ApifyError) {
        let slashes = text.filter { $0 == "/" }.count
        var path = text
        if slashes == 1 && !text.contains("~") {
            path = text.replacing("/", with: "~")
        }
        let parts = path.split(separator: "~", omittingEmptySubsequences: false)
        let isValid =
            !path.isEmpty && slashes <= 1 && parts.count <= 2
            && parts.last.map { !$0.isEmpty } == true
            && path.allSatisfy { $0.isLetter || $0.isNumber || "-_.~".contains($0) }
        guard isValid else {
            throw ApifyError(
                kind: .invalidArgument,
                message: "'\(text)' is not \(noun): use user/name, user~name or an ID"
            )
        }
        pathComponent = path
    }

    public var description: String { pathComponent }
}
