import CCurl
import Glibc

/// One request in flight: its easy handle, the memory libcurl points into, and the sink it feeds.
///
/// Created on the caller's thread, then owned by the engine's loop thread until it completes; libcurl's
/// callbacks reach it through an unretained pointer that the engine's table keeps alive.
final class CurlTransfer: @unchecked Sendable {
    /// libcurl's read size for a stream (a record, items, a log): see `CURLOPT_BUFFERSIZE` below.
    static let streamBufferSize = 256 * 1024

    let id: UInt64
    let easy: UnsafeMutableRawPointer
    let sink: any HTTPBodySink
    private let request: HTTPRequest
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var upload: UploadSource
    /// For a sink that may block: the queue between the engine's thread and the sink.
    private let handoff: BodyHandoff?
    private var pendingHead = HTTPResponseHead(status: 0)
    private var headDelivered = false
    private(set) var bodyBytes: Int64 = 0
    private(set) var sinkError: (any Error & Sendable)?
    var completion: (@Sendable (Result<HTTPExchange, HTTPError>) -> Void)?

    /// The bytes of an upload body and how far libcurl has read them.
    private enum UploadSource {
        case none
        case memory(UnsafeMutableRawBufferPointer, offset: Int)
    }

    /// - Parameter resume: asks the engine to resume this transfer after its sink caught up.
    init(
        id: UInt64, request: HTTPRequest, sink: any HTTPBodySink, caBundle: String?,
        resume: @escaping @Sendable () -> Void
    ) throws(HTTPError) {
        guard let easy = ar_easy_init() else {
            throw HTTPError(kind: .other, message: "curl_easy_init failed", requestMayHaveReachedServer: false)
        }
        self.id = id
        self.easy = easy
        self.sink = sink
        self.handoff = sink.mayBlock ? BodyHandoff(sink: sink, resume: resume) : nil
        self.request = request
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        switch request.body {
        case .empty:
            upload = .none
        case .bytes(let bytes):
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            bytes.withUnsafeBytes { source in buffer.copyMemory(from: source) }
            upload = .memory(buffer, offset: 0)
        }
        try configure(caBundle: caBundle)
    }

    deinit {
        ar_easy_cleanup(easy)
        ar_slist_free_all(headerList)
        errorBuffer.deallocate()
        if case .memory(let buffer, _) = upload {
            buffer.deallocate()
        }
    }

    private func configure(caBundle: String?) throws(HTTPError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        var failures: [CURLcode] = []
        func check(_ code: CURLcode) {
            if code != CURLE_OK { failures.append(code) }
        }
        check(ar_easy_setopt_string(easy, CURLOPT_URL, request.url))
        check(ar_easy_setopt_pointer(easy, CURLOPT_PRIVATE, context))
        check(ar_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        check(ar_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        // Only the web: a redirect must never lead libcurl to file:, scp: or the 20-odd other schemes it knows.
        check(ar_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(ar_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        check(ar_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""))
        check(ar_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connect.milliseconds))
        if let idle = request.timeouts.idle {
            check(ar_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1))
            check(ar_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, idle.milliseconds / 1000)))
        }
        if let total = request.timeouts.total {
            check(ar_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, total.milliseconds))
        }
        if !(sink is CollectingSink) {
            // A stream (a record, items, a log) comes in large reads: a sixteenth of the callbacks and writes of
            // libcurl's default 16 KiB; a 500 MB record to a file takes about a third less CPU. Small answers
            // collected in memory keep the default.
            check(ar_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, Self.streamBufferSize))
        }
        if let caBundle {
            check(ar_easy_setopt_string(easy, CURLOPT_CAINFO, caBundle))
        }
        if !request.isResendable {
            // libcurl re-sends only on a reused connection it finds dead, and only a body it can rewind.
            check(ar_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1))
            check(ar_easy_refuse_rewind(easy))
        }
        if request.followsRedirects {
            check(ar_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1))
            check(ar_easy_setopt_long(easy, CURLOPT_MAXREDIRS, 5))
            // The default, stated: custom Authorization headers stay with the first host (and port, scheme).
            check(ar_easy_setopt_long(easy, CURLOPT_UNRESTRICTED_AUTH, 0))
        }
        configureMethodAndBody(check)
        // An empty `Expect:` stops libcurl from waiting up to a second for `100 Continue` on larger bodies.
        var lines = request.headers.map { "\($0.name): \($0.value)" }
        if !lines.contains(where: { $0.lowercased().hasPrefix("expect:") }) {
            lines.append("Expect:")
        }
        for line in lines {
            headerList = ar_slist_append(headerList, line)
        }
        check(ar_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))
        check(ar_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        check(ar_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        check(ar_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        check(ar_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        if let code = failures.first {
            throw HTTPError(
                kind: .other,
                message: "could not set up the request: \(String(cString: ar_easy_strerror(code)))",
                curlCode: Int(code.rawValue),
                requestMayHaveReachedServer: false
            )
        }
    }

    private func configureMethodAndBody(_ check: (CURLcode) -> Void) {
        let method = request.method.uppercased()
        let context = Unmanaged.passUnretained(self).toOpaque()
        switch method {
        case "GET": check(ar_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case "HEAD": check(ar_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        case "POST": check(ar_easy_setopt_long(easy, CURLOPT_POST, 1))
        default: check(ar_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method))
        }
        var length: Int64?
        switch request.body {
        case .empty: length = (method == "POST" || method == "PUT") ? 0 : nil
        case .bytes(let bytes): length = Int64(bytes.count)
        }
        guard method != "GET", method != "HEAD" else { return }
        if case .empty = request.body, length == nil { return }
        if method != "POST" {
            check(ar_easy_setopt_long(easy, CURLOPT_UPLOAD, 1))
        }
        check(ar_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, curlReadCallback))
        check(ar_easy_setopt_pointer(easy, CURLOPT_READDATA, context))
        let size = length ?? 0
        if method == "POST" {
            check(ar_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(size)))
        } else {
            check(ar_easy_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(size)))
        }
    }

    // MARK: - Callbacks (on the engine's thread)

    fileprivate func headerLine(_ bytes: UnsafeRawBufferPointer) {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        let line = String(decoding: bytes[0..<end], as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new response (a redirect hop, or an interim 1xx).
            let parts = line.split(separator: " ", maxSplits: 2)
            pendingHead = HTTPResponseHead(status: parts.count > 1 ? Int(parts[1]) ?? 0 : 0)
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingSpaces()
            pendingHead.headers.append(HTTPHeader(name, value))
        }
    }

    /// What the write callback answers libcurl: take the chunk, pause, or abort.
    fileprivate enum ChunkVerdict {
        case taken, pause, abort
    }

    /// Hands the body to the sink, directly or through the handoff.
    fileprivate func bodyChunk(_ bytes: UnsafeRawBufferPointer) -> ChunkVerdict {
        do {
            try deliverHeadIfNeeded()
            if let handoff {
                if let error = handoff.error { throw error }
                guard handoff.offer(bytes) else { return .pause }
            } else {
                try sink.receive(bytes)
            }
            bodyBytes += Int64(bytes.count)
            return .taken
        } catch {
            sinkError = error
            return .abort
        }
    }

    /// Fills libcurl's upload buffer; returns the byte count, 0 at the end, or `CURL_READFUNC_ABORT`.
    fileprivate func readBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        switch upload {
        case .none:
            return 0
        case .memory(let source, let offset):
            let total = requestBodyLength
            let count = min(buffer.count, total - offset)
            guard count > 0 else { return 0 }
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
            upload = .memory(source, offset: offset + count)
            return count
        }
    }

    private var requestBodyLength: Int {
        if case .bytes(let bytes) = request.body { return bytes.count }
        return 0
    }

    /// Called on the engine's thread once libcurl reports the transfer done; completes it once the sink has
    /// every byte.
    func complete(code: CURLcode) {
        let result = finish(code: code)
        guard let handoff, let completion else {
            completion?(result)
            return
        }
        handoff.whenDelivered { error in
            guard let error, case .success = result else { return completion(result) }
            completion(.failure(HTTPError(kind: .sinkFailed, message: "\(error)", sinkError: error)))
        }
    }

    /// Completes a cancelled transfer at once: its sink may be stuck in a write that nobody waits for.
    func completeCancelled(_ error: HTTPError) {
        handoff?.abandon()
        completion?(.failure(error))
    }

    /// The head is delivered even when no body came.
    private func finish(code: CURLcode) -> Result<HTTPExchange, HTTPError> {
        if code == CURLE_OK {
            do {
                try deliverHeadIfNeeded()
            } catch {
                return .failure(HTTPError(kind: .sinkFailed, message: "\(error)", sinkError: error))
            }
            return .success(
                HTTPExchange(head: pendingHead, bodyBytes: bodyBytes, connectionsOpened: info(CURLINFO_NUM_CONNECTS)))
        }
        return .failure(error(for: code))
    }

    private func deliverHeadIfNeeded() throws {
        guard !headDelivered else { return }
        headDelivered = true
        let status = info(CURLINFO_RESPONSE_CODE)
        if status != 0 { pendingHead.status = status }
        if let handoff {
            handoff.offer(head: pendingHead)
        } else {
            try sink.receive(head: pendingHead)
        }
    }

    private func info(_ item: CURLINFO) -> Int {
        var value = 0
        _ = ar_easy_getinfo_long(easy, item, &value)
        return value
    }

    func error(for code: CURLcode) -> HTTPError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: ar_easy_strerror(code)) : detail
        let sent = info(CURLINFO_REQUEST_SIZE)
        let kind: HTTPError.Kind
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT: kind = .timedOut
        case CURLE_ABORTED_BY_CALLBACK: kind = .cancelled
        case CURLE_TOO_MANY_REDIRECTS: kind = .tooManyRedirects
        case CURLE_UNSUPPORTED_PROTOCOL: kind = .unsupportedProtocol
        case CURLE_WRITE_ERROR where sinkError != nil: kind = .sinkFailed
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING: kind = .connectionLost
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE:
            kind = .tls
        default: kind = .other
        }
        if kind == .sinkFailed, let sinkError {
            return HTTPError(kind: kind, message: "\(sinkError)", curlCode: Int(code.rawValue), sinkError: sinkError)
        }
        // No request byte issued (libcurl's count of request bytes sent is 0) means the server saw nothing.
        let unsent = kind == .couldNotConnect || kind == .unsupportedProtocol || sent == 0
        return HTTPError(
            kind: kind,
            message: message,
            curlCode: Int(code.rawValue),
            requestMayHaveReachedServer: !unsent
        )
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a short positive limit never becomes "no limit" (0).
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var slice = self[...]
        while slice.first == " " || slice.first == "\t" { slice = slice.dropFirst() }
        while slice.last == " " || slice.last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}

private func transfer(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
}

private let curlHeaderCallback: ar_data_callback = { buffer, size, count, userdata in
    let length = size * count
    transfer(userdata).headerLine(UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}

private let curlWriteCallback: ar_data_callback = { buffer, size, count, userdata in
    let length = size * count
    switch transfer(userdata).bodyChunk(UnsafeRawBufferPointer(start: buffer, count: length)) {
    case .taken: return length
    case .pause: return ar_writefunc_pause()
    case .abort: return 0
    }
}

private let curlReadCallback: ar_data_callback = { buffer, size, count, userdata in
    let target = UnsafeMutableRawBufferPointer(start: buffer, count: size * count)
    return transfer(userdata).readBody(into: target)
}
