import CurlHTTP

/// Where a record's bytes go: stdout, or a file that appears only when complete.
///
/// Called from the transfer's thread, one call at a time.
public protocol RecordDestination: AnyObject, Sendable {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// The record is complete: make it visible (e.g. rename a temporary file into place).
    func commit() throws
    /// The record will not be complete: leave nothing behind.
    func discard()
}

/// Streams a success body into the destination, and keeps the start of an error body for its message.
final class RecordSink: HTTPBodySink, @unchecked Sendable {
    private let destination: any RecordDestination
    private var isStreaming = false
    private(set) var bytesWritten: Int64 = 0
    private(set) var errorBody: [UInt8] = []
    private static let errorBodyLimit = 64 * 1024

    init(destination: any RecordDestination) {
        self.destination = destination
    }

    func receive(head: HTTPResponseHead) throws {
        isStreaming = head.isSuccess
    }

    func receive(_ chunk: UnsafeRawBufferPointer) throws {
        if isStreaming {
            try destination.write(chunk)
            bytesWritten += Int64(chunk.count)
        } else if errorBody.count < Self.errorBodyLimit {
            errorBody.append(contentsOf: chunk.prefix(Self.errorBodyLimit - errorBody.count))
        }
    }
}
