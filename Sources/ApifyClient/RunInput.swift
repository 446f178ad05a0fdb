import FoundationEssentials

/// The input of a run: the body of "Run actor", sent with its media type and stored as the `INPUT` record.
public struct RunInput: Sendable, Equatable {
    public var bytes: [UInt8]
    public var contentType: String

    /// The API refuses larger bodies (`request-too-large`, limit 9437184 bytes).
    public static let maximumSize = 9 * 1024 * 1024

    public init(bytes: [UInt8], contentType: String = "application/json") {
        self.bytes = bytes
        self.contentType = contentType
    }

    /// Whether the media type says JSON (`application/json`, `…+json`), so that the input is checked first.
    public var isJSON: Bool { Self.isJSON(contentType: contentType) }

    public static func isJSON(contentType: String) -> Bool {
        let type = contentType.split(separator: ";").first.map { $0.trimmingWhitespace() } ?? ""
        let lowered = type.lowercased()
        return lowered == "application/json" || lowered.hasSuffix("+json")
    }
}
