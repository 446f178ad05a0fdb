/// The real `HTTPTransport`: libcurl over real sockets, every transfer of the session on one engine thread,
/// sharing its connections (keep-alive), DNS cache and TLS sessions.
public final class CurlSession: HTTPTransport {
    private let engine: CurlEngine
    /// CA certificates to verify servers with, instead of the system's store (`--cacert`).
    private let caBundle: String?

    /// `maxConnections`: the most connections kept open between transfers (libcurl's default: four per transfer
    /// in flight).
    public init(caBundle: String? = nil, maxConnections: Int? = nil) {
        self.caBundle = caBundle
        engine = CurlEngine(maxConnections: maxConnections)
    }

    deinit {
        engine.shutdown()
    }

    public func send(_ request: HTTPRequest, to sink: any HTTPBodySink) async throws(HTTPError) -> HTTPExchange {
        let id = engine.makeID()
        let engine = self.engine
        let transfer = try CurlTransfer(id: id, request: request, sink: sink, caBundle: caBundle) {
            engine.resume(id)
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<HTTPExchange, HTTPError>, Never>) in
                transfer.completion = { continuation.resume(returning: $0) }
                engine.submit(transfer)
            }
        } onCancel: {
            engine.cancel(id)
        }
        return try result.get()
    }
}
