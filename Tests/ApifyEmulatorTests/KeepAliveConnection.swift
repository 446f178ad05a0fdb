import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One loopback connection kept open across requests (no `Connection: close`), to see what the emulator does with
/// the connection after an answer (kept alive, closed, trickled into).
///
/// Requests are sent one at a time and each answer is read by its `Content-Length`; blocking calls run on a thread of
/// their own, as in ``LoopbackHTTPClient``.
struct KeepAliveConnection: Sendable {
    let descriptor: Int32
    let host: String
    let port: Int

    static func open(_ baseURL: String) async throws -> KeepAliveConnection {
        guard let components = URLComponents(string: baseURL), let host = components.host, let port = components.port
        else { throw LoopbackHTTPClient.Failure(description: "bad URL \(baseURL)") }
        let descriptor = try await LoopbackHTTPClient.onThread {
            try LoopbackHTTPClient.connect(host: host, port: port)
        }
        return KeepAliveConnection(descriptor: descriptor, host: host, port: port)
    }

    func close() {
        _ = closeSocket(descriptor)
    }

    /// Sends a request with `Content-Length` (also 0) and without `Connection`.
    func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
        for (name, value) in headers {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\n\r\n"
        let bytes = Array(head.utf8) + body
        try await LoopbackHTTPClient.onThread { [descriptor] in try LoopbackHTTPClient.write(descriptor, bytes) }
    }

    /// Sends a request and reads its answer; nil when the server closed the connection without answering.
    func exchange(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) async throws -> LoopbackHTTPClient.Response? {
        try await send(method, target, headers: headers, body: body)
        return try await readResponse(method: method)
    }

    /// Reads one answer whose body is delimited by `Content-Length`; nil when the connection ends before any byte.
    func readResponse(method: String = "GET") async throws -> LoopbackHTTPClient.Response? {
        let head = try await receive { $0.firstRange(of: Self.headEnd) != nil }
        if head.bytes.isEmpty { return nil }
        guard let end = head.bytes.firstRange(of: Self.headEnd) else {
            throw LoopbackHTTPClient.Failure(description: "the connection ended inside the head")
        }
        let parsed = try LoopbackHTTPClient.parse(Array(head.bytes[..<end.upperBound]), method: method)
        guard let length = parsed.header("Content-Length").flatMap(Int.init) else {
            throw LoopbackHTTPClient.Failure(description: "no Content-Length in \(parsed.headers)")
        }
        var body = Array(head.bytes[end.upperBound...])
        let missing = length - body.count
        if method != "HEAD", missing > 0 {
            body += try await receive { $0.count >= missing }.bytes
        }
        var response = parsed
        response.body = body
        return response
    }

    /// Reads until `isEnough` holds for the bytes read by this call, or the connection ends (`isClosed`).
    func receive(
        until isEnough: @escaping @Sendable ([UInt8]) -> Bool
    ) async throws -> (bytes: [UInt8], isClosed: Bool) {
        try await LoopbackHTTPClient.onThread { [descriptor] in
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !isEnough(bytes) {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return (bytes, true) }
                bytes.append(contentsOf: buffer[0..<count])
            }
            return (bytes, false)
        }
    }

    /// The bytes already waiting, without blocking.
    func waiting() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count > 0 ? Array(buffer[0..<count]) : []
    }

    private static let headEnd = Array("\r\n\r\n".utf8)

    private func closeSocket(_ descriptor: Int32) -> Int32 {
        #if canImport(Glibc)
            Glibc.close(descriptor)
        #else
            Darwin.close(descriptor)
        #endif
    }
}
