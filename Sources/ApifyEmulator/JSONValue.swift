import Foundation

/// A JSON document held as a value, with object members in a fixed order.
///
/// The emulator writes every JSON answer through this type rather than `JSONEncoder` so that the field order of
/// run and actor objects is stable and nullable fields can be written as an explicit `null` (as the API does).
/// It is also how actor definitions carry arbitrary JSON (`record.json`, `pushItems`).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Members in output order: the source's order when parsed (``parse(_:)``, or decoded with
    /// ``orderedSourceKey``), else sorted by key, because a `Decoder` does not tell the order of the source.
    case object([Member])

    /// One member of an object.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value of the first member named `key`, if this is an object that has one.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Parses UTF-8 JSON bytes, keeping object members in their order; top-level scalars are accepted.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        try JSONParser.parse(bytes)
    }

    /// A `JSONDecoder.userInfo` key for the same document parsed by ``parse(_:)``: a `JSONValue` decoded with it is
    /// taken from that document at its coding path, so objects keep the member order the file gave them.
    public static let orderedSourceKey = CodingUserInfoKey(rawValue: "ApifyEmulator.JSONValue.orderedSource")!

    /// The value at a decoder's coding path (object members by name, array elements by index).
    func value(at path: [any CodingKey]) -> JSONValue? {
        var node = self
        for key in path {
            switch node {
            case .array(let elements):
                guard let index = key.intValue, elements.indices.contains(index) else { return nil }
                node = elements[index]
            case .object:
                guard let member = node[key.stringValue] else { return nil }
                node = member
            default:
                return nil
            }
        }
        return node
    }

    /// The same value with the members of every object sorted by key: a canonical form for generated records.
    public func sortingKeys() -> JSONValue {
        switch self {
        case .array(let elements):
            return .array(elements.map { $0.sortingKeys() })
        case .object(let members):
            return .object(members.sorted { $0.key < $1.key }.map { Member($0.key, $0.value.sortingKeys()) })
        default:
            return self
        }
    }

    /// Compact JSON text (no spaces), as UTF-8 bytes.
    public var serializedBytes: [UInt8] {
        var output = ""
        write(to: &output)
        return Array(output.utf8)
    }

    /// Compact JSON text (no spaces).
    public var serialized: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .int(let value):
            output += String(value)
        case .double(let value):
            output += value.isFinite ? String(describing: value) : "null"
        case .string(let value):
            output += "\""
            output += Self.escaped(value)
            output += "\""
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                output += "\""
                output += Self.escaped(member.key)
                output += "\":"
                member.value.write(to: &output)
            }
            output += "}"
        }
    }

    /// The text of a JSON string literal without its quotes: safe to splice between `"` characters.
    public static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                result += "\\u" + String(repeating: "0", count: 4 - String(control.value, radix: 16).count)
                result += String(control.value, radix: 16)
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension JSONValue: Codable {
    /// A coding key for arbitrary object member names.
    private struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let source = decoder.userInfo[Self.orderedSourceKey] as? JSONValue,
            let value = source.value(at: decoder.codingPath)
        {
            self = value
            return
        }
        if let container = try? decoder.container(keyedBy: MemberKey.self) {
            let keys = container.allKeys.sorted { $0.stringValue < $1.stringValue }
            self = .object(try keys.map { Member($0.stringValue, try container.decode(JSONValue.self, forKey: $0)) })
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !container.isAtEnd {
                elements.append(try container.decode(JSONValue.self))
            }
            self = .array(elements)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements {
                try container.encode(element)
            }
        case .object(let members):
            var container = encoder.container(keyedBy: MemberKey.self)
            for member in members {
                try container.encode(member.value, forKey: MemberKey(stringValue: member.key))
            }
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue {
    /// A string, or `null` when absent: most nullable fields of the API's objects are strings.
    static func string(orNull value: String?) -> JSONValue {
        value.map(JSONValue.string) ?? .null
    }

    /// The members, if this is an object.
    var objectMembers: [Member]? {
        guard case .object(let members) = self else { return nil }
        return members
    }
}
