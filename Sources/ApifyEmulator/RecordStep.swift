import Foundation

/// The `record` step: stores one record in the run's default key-value store.
///
/// JSON: `{"key": "OUTPUT", "contentType": "...", <one source>, "redirect": false}` where the source is one of
/// `"json": <any JSON>` (written compactly, object keys sorted), `"text": "..."` (UTF-8, literal),
/// `"template": "..."` (UTF-8, ``InputTemplate`` placeholders filled in), `"base64": "..."`,
/// `"generatedBytes": N` (N bytes where byte i is `i % 256`, produced while streaming, never held in memory) or
/// `"fromInput": true` (the INPUT record's exact bytes and content type; the step is skipped when there is no input).
///
/// `contentType` defaults by source: `application/json; charset=utf-8` for json, `text/plain; charset=utf-8` for
/// text and template, `application/octet-stream` for base64 and generatedBytes, the input's own for fromInput.
/// `redirect: true` makes the record answer 302 to a signed URL on another host name, as the platform does
/// with S3.
public struct RecordStep: Sendable, Equatable {
    public var key: String
    public var contentType: String?
    public var source: Source
    public var redirect: Bool

    /// Where the record's bytes come from.
    public enum Source: Sendable, Equatable {
        case json(JSONValue)
        case text(String)
        case template(String)
        case bytes([UInt8])
        case generatedBytes(Int)
        case fromInput
    }

    public init(key: String, contentType: String? = nil, source: Source, redirect: Bool = false) {
        self.key = key
        self.contentType = contentType
        self.source = source
        self.redirect = redirect
    }

    /// The content type used when the definition names none.
    var defaultContentType: String {
        switch source {
        case .json: "application/json; charset=utf-8"
        case .text, .template: "text/plain; charset=utf-8"
        case .bytes, .generatedBytes, .fromInput: "application/octet-stream"
        }
    }
}

extension RecordStep: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case key, contentType, redirect
        case json, text, template, base64, generatedBytes, fromInput
    }

    private static let sourceKeys: [CodingKeys] = [.json, .text, .template, .base64, .generatedBytes, .fromInput]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        contentType = try container.decodeIfPresent(String.self, forKey: .contentType)
        redirect = try container.decodeIfPresent(Bool.self, forKey: .redirect) ?? false
        let present = Self.sourceKeys.filter { container.contains($0) }
        guard present.count == 1, let sourceKey = present.first else {
            let names = Self.sourceKeys.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a record needs exactly one of: \(names)"))
        }
        switch sourceKey {
        case .json:
            source = .json(try container.decode(JSONValue.self, forKey: .json))
        case .text:
            source = .text(try container.decode(String.self, forKey: .text))
        case .template:
            source = .template(try container.decode(String.self, forKey: .template))
        case .base64:
            let text = try container.decode(String.self, forKey: .base64)
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .base64, in: container, debugDescription: "not valid base64")
            }
            source = .bytes(Array(data))
        case .generatedBytes:
            let count = try container.decode(Int.self, forKey: .generatedBytes)
            guard count >= 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .generatedBytes, in: container, debugDescription: "generatedBytes must be 0 or more")
            }
            source = .generatedBytes(count)
        case .fromInput:
            guard try container.decode(Bool.self, forKey: .fromInput) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .fromInput, in: container, debugDescription: "fromInput can only be true")
            }
            source = .fromInput
        default:
            preconditionFailure("sourceKeys lists only source keys")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encodeIfPresent(contentType, forKey: .contentType)
        if redirect { try container.encode(true, forKey: .redirect) }
        switch source {
        case .json(let value): try container.encode(value, forKey: .json)
        case .text(let text): try container.encode(text, forKey: .text)
        case .template(let template): try container.encode(template, forKey: .template)
        case .bytes(let bytes): try container.encode(Data(bytes).base64EncodedString(), forKey: .base64)
        case .generatedBytes(let count): try container.encode(count, forKey: .generatedBytes)
        case .fromInput: try container.encode(true, forKey: .fromInput)
        }
    }
}
