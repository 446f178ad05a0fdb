import Foundation
import Yams

/// `--actors` files in YAML: the YAML becomes the same JSON (mapping order kept, scalars typed by the YAML core
/// schema), which then goes through the JSON path, so both formats mean the same and fail the same way.
enum YAMLCatalog {
    /// Whether a path names a YAML file, by its extension.
    static func isYAML(_ path: String) -> Bool {
        let lowercased = path.lowercased()
        return lowercased.hasSuffix(".yaml") || lowercased.hasSuffix(".yml")
    }

    /// The YAML document as JSON bytes.
    static func json(fromYAML data: Data) throws -> Data {
        let text = String(decoding: data, as: UTF8.self)
        guard let node = try Yams.compose(yaml: text) else { return Data("{}".utf8) }
        return Data(try value(of: node).serializedBytes)
    }

    private static func value(of node: Node) throws -> JSONValue {
        switch node {
        case .mapping(let mapping):
            var members: [JSONValue.Member] = []
            for (key, value) in mapping {
                guard let name = key.string else {
                    throw EmulatorError.invalidActorDefinition("a YAML mapping key must be a string")
                }
                members.append(.init(name, try self.value(of: value)))
            }
            return .object(members)
        case .sequence(let sequence):
            return .array(try sequence.map { try value(of: $0) })
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.null != nil { return .null }
                if let flag = node.bool { return .bool(flag) }
                if let number = node.int { return .int(number) }
                if let number = node.float, number.isFinite { return .double(number) }
            }
            return .string(scalar.string)
        case .alias:
            throw EmulatorError.invalidActorDefinition("YAML aliases are not supported in an actors file")
        }
    }
}
