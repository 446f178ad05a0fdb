import Foundation
import Hummingbird
import NIOCore

/// A response body writer that passes on the first `limit` bytes, then closes the connection: the `truncate`
/// fault's body cut short, after a head that promised the whole `Content-Length`; with `resets`, the `reset-after`
/// fault's TCP reset instead of an orderly close.
struct TruncatingBodyWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    var remaining: Int
    let channel: any Channel
    var resets = false

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
        try await Self.cut(channel, resets: resets)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await Self.cut(channel, resets: resets)
    }

    /// Lets the bytes already written reach the socket, then closes it; with `resets`, a zero linger time makes
    /// the close a TCP RST (the client reads the bytes that arrived, then "connection reset by peer").
    static func cut(_ channel: any Channel, resets: Bool = false) async throws -> Never {
        try? await Task.sleep(for: .milliseconds(50))
        if resets, let socket = channel as? any SocketOptionProvider {
            try? await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
        throw Cut()
    }
}
