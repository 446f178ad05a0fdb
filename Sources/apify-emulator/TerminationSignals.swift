import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The two ends of the pipe that the signal handler writes a byte to: `write(2)` is async-signal-safe, and a byte in a
/// pipe cannot be lost the way a signal can.
private struct SignalPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("apify-emulator: cannot create the signal pipe") }
        readEnd = ends[0]
        writeEnd = ends[1]
    }
}

/// Made before the handler is installed, so the handler never runs the global's lazy initialization.
private let signalPipe = SignalPipe()

/// The handler: the signal's number as one byte into the pipe.
private func forwardSignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipe.writeEnd, &byte, 1)
}

/// SIGINT and SIGTERM as an awaitable event, so the server can stop cleanly and exit 0 instead of dying mid-write.
///
/// A process-wide `signal(2)` handler rather than a `DispatchSource`: on Linux a dispatch signal source reads a
/// signalfd, which only sees a signal blocked in every thread, and the emulator's threads (NIO's, the concurrency
/// pool's) do not block it; a SIGTERM delivered to one of them met `SIG_IGN` and was lost (6 of 50 start/stop loops
/// hung). A handler runs in whichever thread the signal lands on, and the pipe carries it to the reader thread.
final class TerminationSignals: Sendable {
    private let stream: AsyncStream<Int32>

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        let readEnd = signalPipe.readEnd
        let reader = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count == 1 {
                    continuation.yield(Int32(byte))
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
        reader.name = "apify-emulator signals"
        reader.start()
        for number in [SIGINT, SIGTERM] {
            signal(number, forwardSignal)
        }
    }

    /// Returns when the first termination signal arrives.
    func next() async {
        var iterator = stream.makeAsyncIterator()
        _ = await iterator.next()
    }
}
