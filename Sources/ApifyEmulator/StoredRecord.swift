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

    /// The response body, streaming generated content. `isCancelled` is polled between chunks so that stopping the
    /// server ends a long transfer instead of waiting for it.
    func responseBody(isCancelled: @escaping @Sendable () -> Bool) -> ResponseBody {
        switch body {
        case .bytes(let bytes):
            return ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        case .generated(let size):
            return ResponseBody(contentLength: size) { writer in
                let pattern = ByteBuffer(bytes: (0..<Self.generatedChunkSize).map { UInt8(truncatingIfNeeded: $0) })
                var remaining = size
                while remaining > 0 {
                    if isCancelled() || Task.isCancelled { throw CancellationError() }
                    let count = min(remaining, Self.generatedChunkSize)
                    try await writer.write(pattern.getSlice(at: pattern.readerIndex, length: count) ?? pattern)
                    remaining -= count
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
