/// Errors the emulator raises to its host (not to HTTP clients, which get ``APIError`` envelopes).
public enum EmulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An actor definition or `--actors` file that cannot be used; the text says what to fix.
    case invalidActorDefinition(String)
    /// The listening socket could not be opened (address in use, bad host).
    case bindFailed(String)
    /// A `--faults` text (or an actor's `faults`) that does not parse; the text names the rule.
    case invalidFaultSpec(String)
    /// The HTTPS set-up failed: the certificates could not be made or the CA file not written.
    case tlsSetupFailed(String)

    public var description: String {
        switch self {
        case .invalidActorDefinition(let message): message
        case .bindFailed(let message): "cannot listen: \(message)"
        case .invalidFaultSpec(let message): message
        case .tlsSetupFailed(let message): message
        }
    }
}
