/// Turns a page of dataset items into the body of Get dataset items: the item filters (`fields`, `omit`,
/// `skipHidden`, `skipEmpty`, `clean`) and the formats `json`, `jsonl` and `csv` (`bom`, `delimiter`,
/// `skipHeaderRow`).
struct DatasetFormatter {
    /// The output formats the emulator writes; the platform's `html`, `xlsx`, `xml` and `rss` are refused with 400.
    enum Format: String {
        case json, jsonl, csv

        var contentType: String {
            switch self {
            case .json: "application/json; charset=utf-8"
            case .jsonl: "application/jsonl; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            }
        }
    }

    var format: Format = .json
    /// Keep only these top-level fields, in this order.
    var fields: [String]?
    var omit: Set<String> = []
    /// Drop top-level fields whose name starts with `#`.
    var skipHidden = false
    /// Drop items that are empty objects (after the other filters).
    var skipEmpty = false
    /// UTF-8 byte order mark; nil means the platform's default (only CSV has one).
    var bom: Bool?
    var delimiter = ","
    var skipHeaderRow = false

    /// `clean`'s view of an item: hidden fields dropped.
    static func clean(_ item: JSONValue) -> JSONValue {
        guard let members = item.objectMembers else { return item }
        return .object(members.filter { !$0.key.hasPrefix("#") })
    }

    /// The filtered items, for counting and rendering.
    func filter(_ items: some Sequence<JSONValue>) -> [JSONValue] {
        items.compactMap { item in
            guard var members = item.objectMembers else { return item }
            if skipHidden { members.removeAll { $0.key.hasPrefix("#") } }
            if let fields {
                members = fields.compactMap { field in members.first { $0.key == field } }
            }
            members.removeAll { omit.contains($0.key) }
            if skipEmpty && members.isEmpty { return nil }
            return .object(members)
        }
    }

    func render(_ items: [JSONValue]) -> [UInt8] {
        var output: [UInt8] = bom ?? (format == .csv) ? [0xEF, 0xBB, 0xBF] : []
        switch format {
        case .json:
            output += JSONValue.array(items).serializedBytes
        case .jsonl:
            for item in items {
                output += item.serializedBytes
                output.append(0x0A)
            }
        case .csv:
            output += Array(csv(items).utf8)
        }
        return output
    }

    private func csv(_ items: [JSONValue]) -> String {
        var columns = fields ?? []
        if fields == nil {
            var seen: Set<String> = []
            for item in items {
                for member in item.objectMembers ?? [] where seen.insert(member.key).inserted {
                    columns.append(member.key)
                }
            }
        }
        var lines: [String] = []
        if !skipHeaderRow {
            lines.append(columns.map(escape).joined(separator: delimiter))
        }
        for item in items {
            let cells = columns.map { column -> String in
                switch item[column] {
                case nil, .null: ""
                case .string(let text): escape(text)
                case let value?: escape(value.serialized)
                }
            }
            lines.append(cells.joined(separator: delimiter))
        }
        return lines.map { $0 + "\n" }.joined()
    }

    private func escape(_ text: String) -> String {
        let needsQuotes = text.contains(delimiter) || text.contains("\"") || text.contains("\n") || text.contains("\r")
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}

extension JSONValue {
    /// `{}`: what `skipEmpty` drops.
    var isEmptyObject: Bool { objectMembers?.isEmpty ?? false }
}
