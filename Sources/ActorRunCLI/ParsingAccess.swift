/// The parsing half of `actor-run` (flag values and whole command lines, nothing run, nothing read), reachable
/// without `@testable` so that the fuzz targets in Tests/fuzz can drive it in an instrumented build.
package enum ParsingAccess {
    /// Parses and validates `arguments` (those after the program name) as `actor-run` would, the subcommand word
    /// included, and throws what ArgumentParser or a `validate()` threw. `help` as the first word is `main`'s.
    package static func parseCommandLine(_ arguments: [String]) throws {
        _ = try ActorRunMain.parseCommand(arguments)
    }

    /// `--wait`'s value, or `nil` when the flag would refuse it.
    package static func waitDuration(_ text: String) -> Duration? {
        WaitDuration(argument: text)?.duration
    }

    /// A run ID argument as kept, or `nil` when it would be refused.
    package static func runID(_ text: String) -> String? {
        RunID(argument: text)?.value
    }
}
