import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A minimal HTTP/1.1 client over a raw socket, for tests.
///
/// URLSession would follow redirects and add headers of its own; the tests need to see exactly what the emulator
/// answers (a 302 included) and to send exactly the headers they mean to. One request per connection
/// (`Connection: close`); the blocking socket calls run on a thread of their own, never on the cooperative pool.
enum LoopbackHTTPClient {
    struct Response: Sendable {
        var status: Int
        /// `[name, value]` in the order received.
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The body parsed as a JSON object (fails the caller's `#require` when it is not one).
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }

        /// `data` of a `{"data": ...}` envelope.
        var data: [String: Any]? { json?["data"] as? [String: Any] }

        /// `error` of a `{"error": {...}}` envelope.
        var error: [String: String]? { json?["error"] as? [String: String] }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func request(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) async throws -> Response {
        // A thread of its own: Dispatch's global queues are as wide as the CPU count and are shared with the Swift
        // concurrency pool on Linux, so blocking them on long-polls starves the emulator under test.
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try exchange(method, url, headers: headers, body: body) })
            }
            thread.start()
        }
    }

    /// What came back on a raw connection: every byte until the server closed it, and whether it ended with an
    /// error (a reset) rather than an orderly close.
    struct RawReply: Sendable {
        var bytes: [UInt8]
        var endedWithError: Bool

        var text: String { String(decoding: bytes, as: UTF8.self) }

        /// The head's lines (status line first), if a whole head arrived.
        var headLines: [String]? {
            guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
            return String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        }

        /// Bytes after the head.
        var bodyBytes: Int {
            guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return 0 }
            return bytes.count - end.upperBound
        }
    }

    /// One request on a fresh connection, returning the raw bytes of whatever the server sent before closing, so
    /// tests can see a connection closed with no answer or a body cut short.
    static func raw(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) async throws -> RawReply {
        try await onThread {
            let descriptor = try open(method, url, headers: headers, body: body)
            defer { close(descriptor) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count == 0 { return RawReply(bytes: bytes, endedWithError: false) }
                if count < 0 { return RawReply(bytes: bytes, endedWithError: true) }
                bytes.append(contentsOf: buffer[0..<count])
            }
        }
    }

    /// Reads a response and throws its body away, keeping only its size and the head: for bodies too large to
    /// hold (the 1 GiB record).
    static func drain(_ url: String, headers: [(String, String)] = []) async throws -> (head: String, bodyBytes: Int) {
        try await onThread {
            let descriptor = try open("GET", url, headers: headers, body: [])
            defer { close(descriptor) }
            var head: [UInt8] = []
            var bodyBytes = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            let separator = Array("\r\n\r\n".utf8)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break }
                if bodyBytes == 0, head.firstRange(of: separator) == nil {
                    head.append(contentsOf: buffer[0..<count])
                    if let end = head.firstRange(of: separator) {
                        bodyBytes = head.count - end.upperBound
                        head.removeSubrange(end.upperBound...)
                    }
                } else {
                    bodyBytes += count
                }
            }
            return (String(decoding: head, as: UTF8.self), bodyBytes)
        }
    }

    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// Connects and sends the request; the caller reads the answer.
    private static func open(
        _ method: String, _ url: String, headers: [(String, String)], body: [UInt8]
    ) throws -> Int32 {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port
        else { throw Failure(description: "bad URL \(url)") }
        let target = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        let descriptor = try connect(host: host, port: port)
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\n\r\n"
        try write(descriptor, Array(head.utf8) + body)
        return descriptor
    }

    private static func exchange(
        _ method: String, _ url: String, headers: [(String, String)], body: [UInt8]
    ) throws -> Response {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port
        else { throw Failure(description: "bad URL \(url)") }
        let target = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        let descriptor = try connect(host: host, port: port)
        defer { close(descriptor) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers {
            head += "\(name): \(value)\r\n"
        }
        if !body.isEmpty || method == "POST" || method == "PUT" {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        try write(descriptor, Array(head.utf8) + body)
        return try parse(readAll(descriptor), method: method)
    }

    static func connect(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if descriptor >= 0 {
                var timeout = timeval(tv_sec: 30, tv_usec: 0)
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if connectSocket(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    return descriptor
                }
                close(descriptor)
            }
            candidate = info.pointee.ai_next
        }
        throw Failure(description: "cannot connect to \(host):\(port)")
    }

    private static func connectSocket(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t)
        -> Int32
    {
        #if canImport(Glibc)
            Glibc.connect(descriptor, address, length)
        #else
            Darwin.connect(descriptor, address, length)
        #endif
    }

    static func write(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            guard written > 0 else {
                // The server may answer early (413) and close; what it said is still readable.
                return
            }
            offset += written
        }
    }

    private static func readAll(_ descriptor: Int32) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return result }
            guard count > 0 else { throw Failure(description: "recv failed: errno \(errno)") }
            result.append(contentsOf: buffer[0..<count])
        }
    }

    static func parse(_ raw: [UInt8], method: String) throws -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = raw.firstRange(of: separator) else {
            throw Failure(description: "no response head in \(raw.count) bytes")
        }
        let lines = String(decoding: raw[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line \(lines[0])")
        }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(raw[headEnd.upperBound...])
        let isChunked = headers.contains {
            $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked")
        }
        if isChunked {
            body = try dechunk(body)
        }
        return Response(status: status, headers: headers, body: method == "HEAD" ? [] : body)
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: crlf) else { throw Failure(description: "bad chunk") }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else {
                throw Failure(description: "bad chunk size \(sizeText)")
            }
            index = lineEnd.upperBound
            if size == 0 { return result }
            result.append(contentsOf: bytes[index..<index + size])
            index += size + 2
        }
    }
}
