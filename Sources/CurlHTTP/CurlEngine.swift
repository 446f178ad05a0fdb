import CCurl
import FoundationEssentials
import Glibc
import Synchronization

/// Runs every transfer of a session on one thread with libcurl's multi interface.
///
/// Why the multi interface on one thread: a run's requests (the start, the long-polls, the record) must share
/// one connection, and later work needs transfers side by side (the log stream while a long-poll waits, many
/// runs at once). A multi handle gives both: its connection cache serves every easy handle added to it, and
/// `curl_multi_poll` drives any number of transfers from a single thread, so no handle is ever touched by two
/// threads and no thread is spent per request. Other threads talk to the loop only through `inbox` and
/// `curl_multi_wakeup`.
final class CurlEngine: @unchecked Sendable {
    /// What other threads hand to the loop thread.
    private struct Inbox {
        var submitted: [CurlTransfer] = []
        var cancelled: Set<UInt64> = []
        var resumed: Set<UInt64> = []
        var nextID: UInt64 = 0
        var isShuttingDown = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// Transfers added to the multi handle; touched by the loop thread only.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    /// `maxConnections`: how many connections libcurl keeps open once their transfers are done (its cache); by
    /// default four times the transfers added at once, which a batch of many runs can afford in sockets only if
    /// its descriptor limit is high.
    init(maxConnections: Int? = nil) {
        if let reason = CurlLibrary.loadFailure {
            fatalError("libcurl is not loaded (call CurlLibrary.load() first): \(reason)")
        }
        guard let multi = ar_multi_init() else {
            fatalError("curl_multi_init failed: out of memory")
        }
        self.multi = multi
        if let maxConnections {
            _ = ar_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        }
        startThread { [self] in loop() }
    }

    func makeID() -> UInt64 {
        inbox.withLock { inbox in
            inbox.nextID += 1
            return inbox.nextID
        }
    }

    func submit(_ transfer: CurlTransfer) {
        let wasCancelled = inbox.withLock { inbox in
            if inbox.cancelled.remove(transfer.id) != nil { return true }
            inbox.submitted.append(transfer)
            return false
        }
        if wasCancelled {
            transfer.completeCancelled(Self.cancellation)
        } else {
            ar_multi_wakeup(multi)
        }
    }

    /// Stops a transfer at once, whether it is waiting to start, connecting, or mid-body.
    func cancel(_ id: UInt64) {
        inbox.withLock { _ = $0.cancelled.insert(id) }
        ar_multi_wakeup(multi)
    }

    /// Resumes a transfer that paused because its sink fell behind.
    func resume(_ id: UInt64) {
        inbox.withLock { _ = $0.resumed.insert(id) }
        ar_multi_wakeup(multi)
    }

    /// Ends the loop once the transfers in flight have finished.
    func shutdown() {
        inbox.withLock { $0.isShuttingDown = true }
        ar_multi_wakeup(multi)
    }

    private static let cancellation = HTTPError(kind: .cancelled, message: "the request was cancelled")

    private func loop() {
        while true {
            let (submitted, isShuttingDown) = inbox.withLock { inbox in
                defer { inbox.submitted.removeAll() }
                return (inbox.submitted, inbox.isShuttingDown)
            }
            for transfer in submitted {
                let code = ar_multi_add_handle(multi, transfer.easy)
                guard code == CURLM_OK else {
                    transfer.completeCancelled(Self.multiFailure(code, doing: "start the request"))
                    continue
                }
                active[transfer.easy] = transfer
            }
            cancelRequested()
            resumeRequested()
            var running: Int32 = 0
            let code = ar_multi_perform(multi, &running)
            if code != CURLM_OK {
                // The multi handle is unusable (out of memory, a bug): fail what is in flight rather than spin.
                failAll(Self.multiFailure(code, doing: "drive the requests"))
            }
            collectFinished()
            if isShuttingDown && active.isEmpty { break }
            ar_multi_poll(multi, nil, 0, 1000, nil)
        }
        ar_multi_cleanup(multi)
    }

    private static func multiFailure(_ code: CURLMcode, doing what: String) -> HTTPError {
        HTTPError(
            kind: .other, message: "libcurl could not \(what): \(String(cString: ar_multi_strerror(code)))",
            curlCode: Int(code.rawValue))
    }

    private func failAll(_ error: HTTPError) {
        for (easy, transfer) in active {
            ar_multi_remove_handle(multi, easy)
            transfer.completeCancelled(error)
        }
        active.removeAll()
    }

    private func resumeRequested() {
        let ids = inbox.withLock { inbox in
            defer { inbox.resumed.removeAll() }
            return inbox.resumed
        }
        for (easy, transfer) in active where ids.contains(transfer.id) {
            _ = ar_easy_unpause(easy)
        }
    }

    private func cancelRequested() {
        let ids = inbox.withLock { inbox in
            let found = inbox.cancelled.filter { id in active.values.contains { $0.id == id } }
            inbox.cancelled.subtract(found)
            return found
        }
        for id in ids {
            guard let (easy, transfer) = active.first(where: { $0.value.id == id }) else { continue }
            active[easy] = nil
            ar_multi_remove_handle(multi, easy)
            transfer.completeCancelled(Self.cancellation)
        }
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = ar_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let transfer = active.removeValue(forKey: easy)
            else { continue }
            let code = ar_msg_result(message)
            ar_multi_remove_handle(multi, easy)
            transfer.complete(code: code)
        }
    }
}

/// Starts a detached thread of its own (Foundation's `Thread` is not in FoundationEssentials).
private func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Start {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let start = Unmanaged.passRetained(Start(body)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(
        &thread, nil,
        { context in
            Unmanaged<Start>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, start)
    guard created == 0 else { fatalError("cannot start the libcurl thread: \(String(cString: strerror(created)))") }
    pthread_detach(thread)
}
