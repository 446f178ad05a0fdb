/// A ZIP archive of uncompressed ("stored") entries, enough for an XLSX workbook: no dependency, and readers accept
/// stored entries as readily as deflated ones.
struct StoredZip {
    private var body: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0

    /// 1980-01-01 00:00 in MS-DOS form: a fixed time keeps the bytes reproducible.
    private static let dosTime: UInt16 = 0
    private static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1

    mutating func add(_ name: String, _ content: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = Self.crc32(content)
        let offset = UInt32(body.count)
        // Local file header.
        body += Self.le32(0x0403_4b50) + Self.le16(20) + Self.le16(0x0800) + Self.le16(0)
        body += Self.le16(Self.dosTime) + Self.le16(Self.dosDate) + Self.le32(crc)
        body += Self.le32(UInt32(content.count)) + Self.le32(UInt32(content.count))
        body += Self.le16(UInt16(nameBytes.count)) + Self.le16(0) + nameBytes + content
        // Central directory entry.
        directory += Self.le32(0x0201_4b50) + Self.le16(20) + Self.le16(20) + Self.le16(0x0800) + Self.le16(0)
        directory += Self.le16(Self.dosTime) + Self.le16(Self.dosDate) + Self.le32(crc)
        directory += Self.le32(UInt32(content.count)) + Self.le32(UInt32(content.count))
        directory += Self.le16(UInt16(nameBytes.count)) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0)
        directory += Self.le32(0) + Self.le32(offset) + nameBytes
        count += 1
    }

    /// The whole archive: entries, central directory, end record.
    var bytes: [UInt8] {
        var end = Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0)
        end += Self.le16(UInt16(count)) + Self.le16(UInt16(count))
        end += Self.le32(UInt32(directory.count)) + Self.le32(UInt32(body.count)) + Self.le16(0)
        return body + directory + end
    }

    private static func le16(_ value: UInt16) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8)]
    }

    private static func le32(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) }
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1
        }
        return value
    }

    /// The CRC-32 (IEEE 802.3) that ZIP stores for each entry.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}

extension DatasetFormatter {
    /// A one-sheet workbook of the CSV's columns and cells: numbers as numbers, everything else as inline text.
    func xlsx(_ items: [JSONValue]) -> [UInt8] {
        let (columns, rows) = table(items)
        var sheetRows: [String] = []
        var tableRows: [[JSONValue]] = skipHeaderRow ? [] : [columns.map(JSONValue.string)]
        tableRows += rows
        for (rowIndex, row) in tableRows.enumerated() {
            let cells = row.enumerated().compactMap { columnIndex, cell -> String? in
                let reference = Self.columnName(columnIndex) + String(rowIndex + 1)
                switch cell {
                case .null: return nil
                case .int(let number): return "<c r=\"\(reference)\"><v>\(number)</v></c>"
                case .double(let number) where number.isFinite: return "<c r=\"\(reference)\"><v>\(number)</v></c>"
                case .bool(let flag): return "<c r=\"\(reference)\" t=\"b\"><v>\(flag ? 1 : 0)</v></c>"
                default:
                    let text = Self.escaped(Self.text(of: cell))
                    return "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(text)</t></is></c>"
                }
            }
            sheetRows.append("<row r=\"\(rowIndex + 1)\">\(cells.joined())</row>")
        }
        let header = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        let spreadsheet = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"
        var zip = StoredZip()
        zip.add(
            "[Content_Types].xml",
            Array(
                (header + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                    + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                    + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                    + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument"
                    + ".spreadsheetml.sheet.main+xml\"/>"
                    + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-"
                    + "officedocument.spreadsheetml.worksheet+xml\"/></Types>").utf8))
        zip.add(
            "_rels/.rels",
            Array(
                (header + "<Relationships xmlns=\"\(packageRelationships)\"><Relationship Id=\"rId1\" Type=\""
                    + "\(relationships)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>").utf8))
        zip.add(
            "xl/workbook.xml",
            Array(
                (header + "<workbook xmlns=\"\(spreadsheet)\" xmlns:r=\"\(relationships)\"><sheets>"
                    + "<sheet name=\"Dataset\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>").utf8))
        zip.add(
            "xl/_rels/workbook.xml.rels",
            Array(
                (header + "<Relationships xmlns=\"\(packageRelationships)\"><Relationship Id=\"rId1\" Type=\""
                    + "\(relationships)/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>").utf8))
        zip.add(
            "xl/worksheets/sheet1.xml",
            Array(
                (header + "<worksheet xmlns=\"\(spreadsheet)\"><sheetData>" + sheetRows.joined()
                    + "</sheetData></worksheet>").utf8))
        return zip.bytes
    }

    /// `A`, `B`, ..., `Z`, `AA`, ...: a column's letters.
    static func columnName(_ index: Int) -> String {
        var index = index + 1
        var name = ""
        while index > 0 {
            let remainder = (index - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            index = (index - 1) / 26
        }
        return name
    }
}
