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
    /// Whether a write may wait on someone else (a terminal, a pipe, a socket). Such a destination is fed from a
    /// queue of its own, so that it never stalls the other transfers; a file or `/dev/null` is written directly.
    var mayBlock: Bool { get }
}

extension RecordDestination {
    public var mayBlock: Bool { true }
}
