/// Errors the emulator raises to its host (not to HTTP clients, which get ``APIError`` envelopes).
public enum EmulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An actor definition or `--actors` file that cannot be used; the text says what to fix.
    case invalidActorDefinition(String)
    /// The listening socket could not be opened (address in use, bad host).
    case bindFailed(String)

    public var description: String {
        switch self {
        case .invalidActorDefinition(let message): message
        case .bindFailed(let message): "cannot listen: \(message)"
        }
    }
}
