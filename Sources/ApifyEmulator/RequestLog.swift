import NIOCore

/// The ordered log of every request the emulator received (except reads of the log itself).
actor RequestLog {
    private var requests: [RecordedRequest] = []
    /// The connections seen, by identity, with their numbers. The weak reference tells a live connection from a new
    /// one that happens to reuse a closed one's address.
    private var connections: [ObjectIdentifier: KnownConnection] = [:]
    private var lastConnectionNumber = 0
    /// Entries of closed connections are dropped when the table reaches this size.
    private var pruneAt = 64

    /// Records `request` with the number and HTTP version of the connection that `channel` (the request's channel:
    /// the connection itself for HTTP/1.1, one of its streams for HTTP/2) belongs to.
    func append(_ request: RecordedRequest, on channel: any Channel) {
        var request = request
        // An HTTP/1.1 connection's parent is the listening socket, which has none; an HTTP/2 stream's parent is the
        // connection.
        let isStream = channel.parent?.parent != nil
        let connection = isStream ? channel.parent ?? channel : channel
        request.connection = number(of: connection)
        request.httpVersion = isStream ? "2" : "1.1"
        requests.append(request)
    }

    var all: [RecordedRequest] { requests }

    private func number(of connection: any Channel) -> Int {
        let key = ObjectIdentifier(connection)
        if let known = connections[key], known.channel === connection {
            return known.number
        }
        if connections.count >= pruneAt {
            connections = connections.filter { $0.value.channel != nil }
            pruneAt = max(64, connections.count * 2)
        }
        lastConnectionNumber += 1
        connections[key] = KnownConnection(channel: connection, number: lastConnectionNumber)
        return lastConnectionNumber
    }

    private struct KnownConnection {
        weak var channel: (any Channel)?
        var number: Int
    }
}
