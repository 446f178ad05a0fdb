import CompressNIO
import Hummingbird
import NIOCore

/// A response body writer that gzips what it is given as it goes, holding no more than zlib's window: the
/// `gzip-bomb` fault sends gigabytes of JSON as a few megabytes on the wire.
struct GzipBodyWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    private let compressor: ZlibCompressor

    /// The output buffer of one deflate call.
    static let outputChunkSize = 64 * 1024

    init(base: any ResponseBodyWriter) throws {
        self.base = base
        compressor = try ZlibCompressor(
            algorithm: .gzip, configuration: ZlibConfiguration(compressionLevel: .bestCompression))
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        var input = buffer
        while input.readableBytes > 0 {
            var output = ByteBufferAllocator().buffer(capacity: Self.outputChunkSize)
            try compressor.deflate(from: &input, to: &output, flush: .no)
            if output.readableBytes > 0 {
                try await base.write(output)
            }
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        var input = ByteBufferAllocator().buffer(capacity: 16)
        var isDone = false
        while !isDone {
            var output = ByteBufferAllocator().buffer(capacity: Self.outputChunkSize)
            do {
                try compressor.deflate(from: &input, to: &output, flush: .finish)
                isDone = true
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // More compressed output is pending: send this buffer and ask again.
            }
            if output.readableBytes > 0 {
                try await base.write(output)
            }
        }
        try await base.finish(trailingHeaders)
    }
}
