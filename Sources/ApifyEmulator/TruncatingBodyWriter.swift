import Hummingbird
import NIOCore

/// A response body writer that passes on the first `limit` bytes, then closes the connection: the `truncate`
/// fault's body cut short, after a head that promised the whole `Content-Length`.
struct TruncatingBodyWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    var remaining: Int
    let channel: any Channel

    /// Raised to end the body once the connection is cut; Hummingbird then drops the connection.
    struct Cut: Error {}

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard buffer.readableBytes > remaining else {
            remaining -= buffer.readableBytes
            try await base.write(buffer)
            return
        }
        if remaining > 0, let slice = buffer.getSlice(at: buffer.readerIndex, length: remaining) {
            try await base.write(slice)
        }
        remaining = 0
        try await Self.cut(channel)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await Self.cut(channel)
    }

    /// Lets the bytes already written reach the socket, then closes it.
    static func cut(_ channel: any Channel) async throws -> Never {
        try? await Task.sleep(for: .milliseconds(50))
        try? await channel.close()
        throw Cut()
    }
}
