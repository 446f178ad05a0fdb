/// Turns a page of dataset items into the body of Get dataset items: the item transformations (`unwind`,
/// `flatten`, `skipHidden`, `fields` with `outputFields`, `omit`, `skipEmpty`; `clean` is the two skips) and the
/// formats `json`, `jsonl`, `csv` (`bom`, `delimiter`, `skipHeaderRow`), `html`, `xlsx`, `xml` (`xmlRoot`, `xmlRow`)
/// and `rss` (`feedTitle`, `feedDescription`).
struct DatasetFormatter {
    /// The platform's output formats.
    enum Format: String {
        case json, jsonl, csv, html, xlsx, xml, rss

        var contentType: String {
            switch self {
            case .json: "application/json; charset=utf-8"
            case .jsonl: "application/jsonl; charset=utf-8"
            case .csv: "text/csv; charset=utf-8"
            case .html: "text/html; charset=utf-8"
            case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case .xml: "application/xml; charset=utf-8"
            case .rss: "application/rss+xml; charset=utf-8"
            }
        }
    }

    var format: Format = .json
    /// Fields to unwind, in order: an array field turns the item into one item per element (an object element is
    /// merged into the item in the field's place, any other element takes the field's place); an object field is
    /// merged into the item; a missing field or any other value leaves the item as it is.
    var unwind: [String] = []
    /// Fields whose nested objects become `field.key` members (recursively), in the field's place.
    var flatten: [String] = []
    /// Keep only these top-level fields, in this order.
    var fields: [String]?
    /// Positional new names for ``fields``.
    var outputFields: [String]?
    var omit: Set<String> = []
    /// Drop top-level fields whose name starts with `#`.
    var skipHidden = false
    /// Drop items that are empty objects (after the other filters).
    var skipEmpty = false
    /// Drop items that have an `errorInfo` field (the legacy `skipFailedPages`).
    var skipFailedPages = false
    /// UTF-8 byte order mark; nil means the platform's default (only CSV has one).
    var bom: Bool?
    var delimiter = ","
    var skipHeaderRow = false
    /// The XML root element (`items`) and row element (`item`).
    var xmlRoot = "items"
    var xmlRow = "item"
    /// The RSS channel's title and description.
    var feedTitle = "Dataset items"
    var feedDescription = "Items of an Apify dataset"

    /// `clean`'s view of an item: hidden fields dropped.
    static func clean(_ item: JSONValue) -> JSONValue {
        guard let members = item.objectMembers else { return item }
        return .object(members.filter { !$0.key.hasPrefix("#") })
    }

    /// The items that a page of stored rows turns into: one row may become several (`unwind`) or none (`skipEmpty`,
    /// `skipFailedPages`). Pagination counts the rows, never these items.
    func filter(_ rows: some Sequence<JSONValue>) -> [JSONValue] {
        rows.flatMap { row -> [JSONValue] in
            if skipFailedPages, row["errorInfo"] != nil { return [] }
            return unwound(row).compactMap(shaped)
        }
    }

    private func unwound(_ item: JSONValue) -> [JSONValue] {
        var items = [item]
        for field in unwind {
            items = items.flatMap { item -> [JSONValue] in
                guard let members = item.objectMembers, let index = members.firstIndex(where: { $0.key == field })
                else { return [item] }
                switch members[index].value {
                case .array(let elements):
                    return elements.map { Self.replacing(members, at: index, with: $0) }
                case .object:
                    return [Self.replacing(members, at: index, with: members[index].value)]
                default:
                    return [item]
                }
            }
        }
        return items
    }

    /// The members with the one at `index` replaced: by an object's members (which win over the item's own), or by
    /// a plain value under the same name.
    private static func replacing(_ members: [JSONValue.Member], at index: Int, with value: JSONValue) -> JSONValue {
        guard let inner = value.objectMembers else {
            var result = members
            result[index].value = value
            return .object(result)
        }
        let innerKeys = Set(inner.map(\.key))
        let before = members[..<index].filter { !innerKeys.contains($0.key) }
        let after = members[(index + 1)...].filter { !innerKeys.contains($0.key) }
        return .object(before + inner + after)
    }

    private func shaped(_ item: JSONValue) -> JSONValue? {
        guard var members = item.objectMembers else { return item }
        for field in flatten {
            guard let index = members.firstIndex(where: { $0.key == field }), case .object = members[index].value
            else { continue }
            let flat = Self.flattened(members[index].value, prefix: field, separator: ".")
            members.replaceSubrange(index...index, with: flat)
        }
        if skipHidden { members.removeAll { $0.key.hasPrefix("#") } }
        if let fields {
            let names = outputFields ?? fields
            members = zip(fields, names).compactMap { field, name in
                members.first { $0.key == field }.map { JSONValue.Member(name, $0.value) }
            }
        }
        members.removeAll { omit.contains($0.key) }
        if skipEmpty && members.isEmpty { return nil }
        return .object(members)
    }

    /// Nested objects (and, with `arrays`, arrays) as `prefix<separator>key` members; other values as they are.
    static func flattened(
        _ value: JSONValue, prefix: String, separator: String, arrays: Bool = false
    ) -> [JSONValue.Member] {
        switch value {
        case .object(let members) where !members.isEmpty:
            return members.flatMap {
                flattened($0.value, prefix: prefix + separator + $0.key, separator: separator, arrays: arrays)
            }
        case .array(let elements) where arrays && !elements.isEmpty:
            return elements.enumerated().flatMap {
                flattened(
                    $0.element, prefix: prefix + separator + String($0.offset), separator: separator, arrays: true)
            }
        case .object, .array:
            return arrays ? [] : [JSONValue.Member(prefix, value)]
        default:
            return [JSONValue.Member(prefix, value)]
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
        case .html:
            output += Array(html(items).utf8)
        case .xlsx:
            output += xlsx(items)
        case .xml:
            output += Array(xml(items).utf8)
        case .rss:
            output += Array(rss(items).utf8)
        }
        return output
    }

    /// CSV as the platform writes it: nested objects and arrays become `parent/child` and `parent/0` columns (empty
    /// ones no column), so every cell holds a scalar: text as it is, numbers and booleans as in JSON, null empty.
    private func csv(_ items: [JSONValue]) -> String {
        let (columns, rows) = table(items)
        var lines: [String] = []
        if !skipHeaderRow {
            lines.append(columns.map(escape).joined(separator: delimiter))
        }
        for row in rows {
            lines.append(row.map { escape(Self.text(of: $0)) }.joined(separator: delimiter))
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// The columns and cells of the tabular formats (CSV, HTML, XLSX): nested values flattened to `parent/child`
    /// columns; every cell a scalar (null where the item has none).
    func table(_ items: [JSONValue]) -> (columns: [String], rows: [[JSONValue]]) {
        let rows = items.map { item -> [JSONValue.Member] in
            (item.objectMembers ?? []).flatMap {
                Self.flattened($0.value, prefix: $0.key, separator: "/", arrays: true)
            }
        }
        var columns: [String] = []
        var seen: Set<String> = []
        for row in rows {
            for member in row where seen.insert(member.key).inserted {
                columns.append(member.key)
            }
        }
        if let fields {
            // The picked fields lead in their order even when no item has them; their nested columns follow.
            let names = outputFields ?? fields
            columns = names.flatMap { name in
                let nested = columns.filter { $0.hasPrefix(name + "/") }
                return nested.isEmpty ? [name] : nested
            }
        }
        let cells = rows.map { row in
            columns.map { column in row.first(where: { $0.key == column })?.value ?? .null }
        }
        return (columns, cells)
    }

    /// A cell as text: text as it is, numbers and booleans as in JSON, null empty.
    static func text(of cell: JSONValue) -> String {
        switch cell {
        case .null: ""
        case .string(let text): text
        default: cell.serialized
        }
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
