/// A build an actor has: what `build=` (a tag or a number) resolved to.
struct ResolvedBuild: Sendable, Equatable {
    /// The build number, e.g. `0.0.1`.
    var number: String
    /// Stable per actor and number, so repeated runs of one build share it as on the platform.
    var id: String

    /// Resolves a tag (`latest`) or a build number (`0.0.1`); nil means 403 `unknown-build-tag`.
    init?(actor: ActorDefinition, requested: String) {
        let tags = actor.buildTags
        if let number = tags[requested] {
            self.number = number
        } else if tags.values.contains(requested) {
            self.number = requested
        } else {
            return nil
        }
        id = PlatformID.stable(for: "build:\(actor.id):\(number)")
    }
}
