import Hummingbird
import NIOCore

/// A response body writer that passes the body on one byte at a time, `interval` apart: the `trickle` fault's slow
/// link. Only this response's task waits; the server and other connections go on.
struct TricklingBodyWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    let interval: Duration
    let stopFlag: StopFlag
    var hasWritten = false

    /// The longest single sleep, so that stopping the server ends a slow trickle promptly.
    static let slice = Duration.milliseconds(100)

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        while let byte = buffer.readSlice(length: 1) {
            if hasWritten {
                try await pause()
            }
            hasWritten = true
            try await base.write(byte)
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await base.finish(trailingHeaders)
    }

    private func pause() async throws {
        var left = interval
        while left > .zero {
            if stopFlag.isSet { throw CancellationError() }
            let step = min(left, Self.slice)
            try await Task.sleep(for: step)
            left -= step
        }
    }
}
