/// Sends HTTP requests. `CurlSession` is the real one; tests of the layers above use a recording double.
///
/// ```swift
/// final class RecordingTransport: HTTPTransport {
///     func send(_ request: HTTPRequest, to sink: any HTTPBodySink) async throws(HTTPError) -> HTTPExchange {
///         // remember `request`, then feed a scripted head and body to `sink`
///     }
/// }
/// ```
public protocol HTTPTransport: Sendable {
    /// Sends `request` and streams the final response into `sink`; returns once the body has ended.
    func send(_ request: HTTPRequest, to sink: any HTTPBodySink) async throws(HTTPError) -> HTTPExchange
}

extension HTTPTransport {
    /// Sends `request` and collects the whole body, failing with `.sinkFailed` past `limit` bytes.
    public func collect(_ request: HTTPRequest, limit: Int) async throws(HTTPError) -> HTTPResponse {
        let sink = CollectingSink(limit: limit)
        let exchange = try await send(request, to: sink)
        return HTTPResponse(head: exchange.head, body: sink.bytes)
    }
}
