import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP proxy on a loopback port that knows only `CONNECT host:port`: it answers 200 and then copies bytes both
/// ways, as a corporate proxy does for HTTPS. It records every request line, so a test can show that the client
/// really went through it (`HTTPS_PROXY=http://127.0.0.1:PORT`).
///
/// Plain threads and blocking sockets: the proxy must not need the Swift concurrency pool that the in-process
/// emulator drives its runs on.
final class ConnectProxy: @unchecked Sendable {
    /// The port it listens on, on 127.0.0.1.
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var lines: [String] = []

    /// Starts listening and accepting at once.
    init() throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listening >= 0 else { throw HarnessError(message: "proxy: socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listening, generic, length) == 0 && listen(listening, 16) == 0
                    && getsockname(listening, generic, &length) == 0
            }
        }
        guard bound else {
            close(listening)
            throw HarnessError(message: "proxy: cannot listen on loopback: \(errno)")
        }
        listener = listening
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            while true {
                let client = accept(listening, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    // `stop()` shut the socket down; closed here, where no other call can still be using it.
                    close(listening)
                    return
                }
                Thread { self.serve(client) }.start()
            }
        }.start()
    }

    /// The request lines received, e.g. `CONNECT 127.0.0.1:40123 HTTP/1.1`, in order.
    var requestLines: [String] {
        lock.withLock { lines }
    }

    /// Stops accepting; tunnels already open end with their connections.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve(_ client: Int32) {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        // Byte by byte up to the blank line, so that nothing of the tunnelled bytes is read here by mistake.
        while !head.ends(with: Array("\r\n\r\n".utf8)), head.count < 8192, read(client, &byte, 1) == 1 {
            head.append(byte)
        }
        let line = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").first ?? ""
        lock.withLock { lines.append(line) }
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "CONNECT", let target = Self.connect(to: String(parts[1])) else {
            Self.sendText("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n", to: client)
            close(client)
            return
        }
        Self.sendText("HTTP/1.1 200 Connection established\r\n\r\n", to: client)
        let done = DispatchSemaphore(value: 0)
        Thread {
            Self.pipe(from: target, to: client)
            done.signal()
        }.start()
        Self.pipe(from: client, to: target)
        done.wait()
        close(client)
        close(target)
    }

    /// A connected socket to `host:port` (an IPv4 literal: the tests name the emulator by 127.0.0.1).
    private static func connect(to authority: String) -> Int32? {
        guard let colon = authority.lastIndex(of: ":"), let port = UInt16(authority[authority.index(after: colon)...])
        else { return nil }
        var host = String(authority[..<colon])
        if host == "localhost" { host = "127.0.0.1" }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        if connected { return fd }
        close(fd)
        return nil
    }

    /// Copies until the source ends, then ends the destination's sending side (half-close, as TCP proxies do).
    private static func pipe(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        copying: while true {
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { break }
            var offset = 0
            while offset < count {
                // MSG_NOSIGNAL: a peer that went away must not kill the test process with SIGPIPE.
                let written = buffer[offset..<count].withUnsafeBytes {
                    Glibc.send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if written <= 0 { break copying }
                offset += written
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }

    private static func sendText(_ text: String, to socket: Int32) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
