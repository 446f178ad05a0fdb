import Foundation

/// The markup formats of Get dataset items: `html` (a table), `xml` and `rss`.
extension DatasetFormatter {
    /// A page with one table: the CSV's columns and cells.
    func html(_ items: [JSONValue]) -> String {
        let (columns, rows) = table(items)
        var output = "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Dataset items</title></head>\n"
        output += "<body>\n<table>\n"
        if !skipHeaderRow {
            output += "<tr>" + columns.map { "<th>\(Self.escaped($0))</th>" }.joined() + "</tr>\n"
        }
        for row in rows {
            output += "<tr>" + row.map { "<td>\(Self.escaped(Self.text(of: $0)))</td>" }.joined() + "</tr>\n"
        }
        return output + "</table>\n</body>\n</html>\n"
    }

    /// `<items><item><field>value</field>...</item></items>` (root and row names from `xmlRoot` / `xmlRow`); nested
    /// objects are nested elements, and an array repeats its field's element once per value.
    func xml(_ items: [JSONValue]) -> String {
        var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(Self.elementName(xmlRoot))>\n"
        for item in items {
            output += Self.element(Self.elementName(xmlRow), item, indent: "  ")
        }
        return output + "</\(Self.elementName(xmlRoot))>\n"
    }

    /// An RSS 2.0 channel (`feedTitle`, `feedDescription`) with an `<item>` per item, its fields as elements.
    func rss(_ items: [JSONValue]) -> String {
        var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n"
        output += "  <title>\(Self.escaped(feedTitle))</title>\n"
        output += "  <description>\(Self.escaped(feedDescription))</description>\n"
        output += "  <link>https://apify.com</link>\n"
        for item in items {
            output += Self.element("item", item, indent: "  ")
        }
        return output + "</channel>\n</rss>\n"
    }

    private static func element(_ name: String, _ value: JSONValue, indent: String) -> String {
        switch value {
        case .object(let members):
            let children = members.map { element(elementName($0.key), $0.value, indent: indent + "  ") }.joined()
            return "\(indent)<\(name)>\n\(children)\(indent)</\(name)>\n"
        case .array(let elements):
            return elements.map { element(name, $0, indent: indent) }.joined()
        case .null:
            return "\(indent)<\(name)/>\n"
        default:
            return "\(indent)<\(name)>\(escaped(text(of: value)))</\(name)>\n"
        }
    }

    /// A field name as an XML element name: characters XML names cannot hold become `_`, and so does a leading
    /// digit, hyphen or dot.
    static func elementName(_ name: String) -> String {
        var result = ""
        for scalar in name.unicodeScalars {
            let isNameCharacter =
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
                || scalar == "."
            result.unicodeScalars.append(isNameCharacter ? scalar : "_")
        }
        if let first = result.unicodeScalars.first, !(first.properties.isAlphabetic || first == "_") {
            result = "_" + result
        }
        return result.isEmpty ? "_" : result
    }

    /// Text safe in XML and HTML content and attribute values; characters XML 1.0 forbids are dropped.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: break
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
