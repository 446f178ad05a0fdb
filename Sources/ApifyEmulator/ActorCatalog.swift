import Foundation

/// The top level of an `--actors` file: `{"actors": [ActorDefinition, ...], "tasks": [TaskDefinition, ...]}`
/// (`tasks` optional), in JSON or, for a `.yaml` / `.yml` file, YAML.
public struct ActorCatalog: Sendable, Codable, Equatable {
    public var actors: [ActorDefinition]
    public var tasks: [TaskDefinition]

    public init(actors: [ActorDefinition], tasks: [TaskDefinition] = []) {
        self.actors = actors
        self.tasks = tasks
    }

    private enum CodingKeys: String, CodingKey {
        case actors, tasks
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        actors = try container.decodeIfPresent([ActorDefinition].self, forKey: .actors) ?? []
        tasks = try container.decodeIfPresent([TaskDefinition].self, forKey: .tasks) ?? []
    }

    /// Reads and validates a catalog file; errors name the file and what is wrong with it.
    public static func load(contentsOf path: String) throws(EmulatorError) -> ActorCatalog {
        var data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .invalidActorDefinition("cannot read actors file \(path): \(error.localizedDescription)")
        }
        if YAMLCatalog.isYAML(path) {
            do {
                data = try YAMLCatalog.json(fromYAML: data)
            } catch {
                throw .invalidActorDefinition("actors file \(path) is not valid YAML: \(error)")
            }
        }
        let catalog: ActorCatalog
        do {
            // The ordered parse keeps the member order of items and records as the file writes them.
            let decoder = JSONDecoder()
            decoder.userInfo[JSONValue.orderedSourceKey] = try JSONValue.parse(data)
            catalog = try decoder.decode(ActorCatalog.self, from: data)
        } catch {
            throw .invalidActorDefinition("actors file \(path) is not a valid definition: \(Self.describe(error))")
        }
        for actor in catalog.actors {
            try actor.validate()
        }
        for task in catalog.tasks {
            try task.validate(actors: BuiltInActors.all + catalog.actors)
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
