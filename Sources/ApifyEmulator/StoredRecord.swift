import Hummingbird

/// A key-value store record as the emulator keeps it.
///
/// The body is either bytes held in memory or a *generated* body described only by its size, whose bytes are
/// produced chunk by chunk while the response streams: a multi-gigabyte OUTPUT costs no memory, which is what
/// lets tests check that clients stream records instead of buffering them.
struct StoredRecord: Sendable {
    /// The record's content.
    enum Body: Sendable {
        case bytes([UInt8])
        /// `size` bytes where byte i is `UInt8(i % 256)`.
        case generated(size: Int)
    }

    var contentType: String
    var body: Body
    /// Answer with a 302 to a signed URL on another host name instead of the bytes (the platform's S3 redirect).
    var isRedirected: Bool = false

    var size: Int {
        switch body {
        case .bytes(let bytes): bytes.count
        case .generated(let size): size
        }
    }

    /// The chunk size for generated bodies: a multiple of 256, so every full chunk holds the same pattern.
    static let generatedChunkSize = 64 * 1024

    /// The response body (all of it, or the bytes of `range`), streaming generated content. `isCancelled` is polled
    /// between chunks so that stopping the server ends a long transfer instead of waiting for it.
    func responseBody(range: ClosedRange<Int>? = nil, isCancelled: @escaping @Sendable () -> Bool) -> ResponseBody {
        let bounds = range.map { $0.lowerBound..<($0.upperBound + 1) } ?? 0..<size
        switch body {
        case .bytes(let bytes):
            return ResponseBody(byteBuffer: ByteBuffer(bytes: bytes[bounds]))
        case .generated:
            return ResponseBody(contentLength: bounds.count) { writer in
                // One extra period, so that a chunk may start at any offset within the pattern.
                let patternLength = Self.generatedChunkSize + 256
                let pattern = ByteBuffer(bytes: (0..<patternLength).map { UInt8(truncatingIfNeeded: $0) })
                var position = bounds.lowerBound
                while position < bounds.upperBound {
                    if isCancelled() || Task.isCancelled { throw CancellationError() }
                    let count = min(bounds.upperBound - position, Self.generatedChunkSize)
                    try await writer.write(pattern.getSlice(at: position % 256, length: count) ?? pattern)
                    position += count
                }
                try await writer.finish(nil)
            }
        }
    }

    /// The whole content in memory; only for small records (inputs, templates), never for generated ones on the
    /// response path.
    var materializedBytes: [UInt8] {
        switch body {
        case .bytes(let bytes): bytes
        case .generated(let size): (0..<size).map { UInt8(truncatingIfNeeded: $0) }
        }
    }
}
