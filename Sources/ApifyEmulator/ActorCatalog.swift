import Foundation

/// The top level of an `--actors` file: `{"actors": [ActorDefinition, ...]}`.
public struct ActorCatalog: Sendable, Codable, Equatable {
    public var actors: [ActorDefinition]

    public init(actors: [ActorDefinition]) {
        self.actors = actors
    }

    /// Reads and validates a catalog file; errors name the file and what is wrong with it.
    public static func load(contentsOf path: String) throws(EmulatorError) -> ActorCatalog {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .invalidActorDefinition("cannot read actors file \(path): \(error.localizedDescription)")
        }
        let catalog: ActorCatalog
        do {
            catalog = try JSONDecoder().decode(ActorCatalog.self, from: data)
        } catch {
            throw .invalidActorDefinition("actors file \(path) is not a valid definition: \(Self.describe(error))")
        }
        for actor in catalog.actors {
            try actor.validate()
        }
        return catalog
    }

    /// A one-line reason with the JSON path, instead of `DecodingError`'s multi-line dump.
    private static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let components = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
            return components.isEmpty ? "top level" : components.joined()
        }
        switch decodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing \"\(key.stringValue)\""
        @unknown default:
            return "\(decodingError)"
        }
    }
}
