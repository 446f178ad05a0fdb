/// What a record download answers for its `Range` header (RFC 9110 §14), as S3 and the platform do: one range of
/// bytes, `bytes=N-`, `bytes=N-M` or `bytes=-K`.
enum RecordRange: Equatable {
    /// 200 with the whole record: no header, or one to ignore (another unit, several ranges, malformed).
    case whole
    /// 206 with these bytes (inclusive, within the record).
    case partial(ClosedRange<Int>)
    /// 416: the range starts past the end (or asks for the last 0 bytes, or the record is empty).
    case unsatisfiable

    init(header: String?, size: Int) {
        self = .whole
        guard let header else { return }
        let text = header.trimmingPrefix(while: \.isWhitespace)
        guard text.lowercased().hasPrefix("bytes=") else { return }
        let spec = text.dropFirst("bytes=".count).filter { !$0.isWhitespace }
        let bounds = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard !spec.contains(","), bounds.count == 2 else { return }
        let first = Self.number(bounds[0])
        let last = Self.number(bounds[1])
        switch (bounds[0].isEmpty, bounds[1].isEmpty) {
        case (true, false):
            guard let suffix = last else { return }
            self = suffix == 0 || size == 0 ? .unsatisfiable : .partial(max(0, size - suffix)...(size - 1))
        case (false, true):
            guard let start = first else { return }
            self = start >= size ? .unsatisfiable : .partial(start...(size - 1))
        case (false, false):
            guard let start = first, let end = last, end >= start else { return }
            self = start >= size ? .unsatisfiable : .partial(start...min(end, size - 1))
        case (true, true):
            return
        }
    }

    /// Digits only (no sign), nil otherwise or on overflow.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
