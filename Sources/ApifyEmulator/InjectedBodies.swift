import Foundation
import Hummingbird
import NIOCore

/// The answers of the faults that process a request and then send its real status with a hostile body (`trickle`,
/// `oversize`, `gzip-bomb`, `mangle`), and of `echo-headers`.
enum InjectedBodies {
    /// The largest real body that `oversize`, `gzip-bomb` and `mangle` read to rework: far above any JSON answer of
    /// the API. A larger body (a big record) is padded as if it were not JSON, or left unmangled.
    static let maxReworkedBytes = 4 << 20

    /// 400 `invalid-input` whose message lists every request header as received, `Host` first.
    static func echoedHeaders(_ request: Request) -> Response {
        var fields: [String] = []
        if let authority = request.head.authority {
            fields.append("Host: \(authority)")
        }
        fields += request.headers.map { "\($0.name.rawName): \($0.value)" }
        return APIError.invalidInput("Invalid request; received headers: " + fields.joined(separator: ", ")).response
    }

    /// The same head at once, then the body one byte every `milliseconds`.
    static func trickled(_ response: Response, milliseconds: Int, stopFlag: StopFlag) -> Response {
        var response = response
        let original = response.body
        response.body = ResponseBody(contentLength: original.contentLength) { writer in
            try await original.write(
                TricklingBodyWriter(base: writer, interval: .milliseconds(milliseconds), stopFlag: stopFlag))
        }
        return response
    }

    /// The real status with a JSON body of exactly `bytes` (or the real body and an empty padding member, if more).
    static func oversized(_ response: Response, bytes: Int, stopFlag: StopFlag) async -> Response {
        var response = response
        let padded = PaddedJSONBody(wrapping: await collect(response.body), totalBytes: bytes)
        response.headers[.contentType] = JSONResponse.contentType
        response.body = ResponseBody(contentLength: padded.size) { writer in
            try await padded.write(to: &writer, stopFlag: stopFlag)
            try await writer.finish(nil)
        }
        return response
    }

    /// The real status with `Content-Encoding: gzip` and a chunked body that inflates to the `oversize` body of
    /// `bytes`, compressed as it streams.
    static func gzipBomb(_ response: Response, bytes: Int, stopFlag: StopFlag) async -> Response {
        var response = response
        let padded = PaddedJSONBody(wrapping: await collect(response.body), totalBytes: bytes)
        response.headers[.contentType] = JSONResponse.contentType
        response.headers[.contentEncoding] = "gzip"
        response.body = ResponseBody(contentLength: nil) { writer in
            var gzip: any ResponseBodyWriter = try GzipBodyWriter(base: writer)
            try await padded.write(to: &gzip, stopFlag: stopFlag)
            try await gzip.finish(nil)
        }
        return response
    }

    /// The real status with the body altered as `kind` says.
    static func mangled(_ response: Response, _ kind: FaultRule.Mangling) async -> Response {
        var response = response
        let bytes: [UInt8]
        switch kind {
        case .nullData:
            bytes = Array(#"{"data":null}"#.utf8)
            response.headers[.contentType] = JSONResponse.contentType
        case .notJSON:
            bytes = Array("<html>oops</html>".utf8)
            response.headers[.contentType] = "text/html"
        case .badUTF8, .float, .badID:
            guard let real = await collect(response.body) else { return response }
            bytes = JSONMangler.mangle(real, kind)
        }
        response.body = ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        return response
    }

    /// The whole body, or nil when it is larger than ``maxReworkedBytes`` (or fails to produce itself).
    private static func collect(_ body: ResponseBody) async -> [UInt8]? {
        let sink = CollectedBytes()
        do {
            try await body.write(CollectingBodyWriter(sink: sink, limit: maxReworkedBytes))
        } catch {
            return nil
        }
        return sink.bytes
    }
}

/// Where ``CollectingBodyWriter`` puts the bytes; a reference, because `ResponseBody.write` consumes its writer.
private final class CollectedBytes {
    var bytes: [UInt8] = []
}

/// A body writer that keeps what is written, up to a limit, to rework a real answer before sending it.
private struct CollectingBodyWriter: ResponseBodyWriter {
    let sink: CollectedBytes
    let limit: Int

    /// The body is over the limit: it is not reworked.
    struct TooLarge: Error {}

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard sink.bytes.count + buffer.readableBytes <= limit else { throw TooLarge() }
        sink.bytes.append(contentsOf: buffer.readableBytesView)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// A JSON body of a chosen size, produced while it streams: the real answer with a `"padding"` string member put
/// first into `data` (or into the top-level object), or `{"padding":"…"}` when the real body is not a JSON object.
struct PaddedJSONBody: Sendable {
    /// Everything up to the padding's opening quote.
    let head: [UInt8]
    /// Characters of padding (`x`).
    let padding: Int
    /// From the padding's closing quote to the end.
    let tail: [UInt8]

    var size: Int { head.count + padding + tail.count }

    /// A body of `totalBytes`, or of the real body plus the padding member when that alone is longer.
    init(wrapping real: [UInt8]?, totalBytes: Int) {
        let dataPrefix = Array(#"{"data":{"#.utf8)
        let member = Array(#""padding":""#.utf8)
        let openLength: Int
        if let real, real.starts(with: dataPrefix) {
            openLength = dataPrefix.count
        } else if let real, real.first == UInt8(ascii: "{") {
            openLength = 1
        } else {
            openLength = 0
        }
        if let real, openLength > 0 {
            head = Array(real[..<openLength]) + member
            let rest = real[openLength...]
            let isEmptyObject = rest.first == UInt8(ascii: "}")
            tail = Array(isEmptyObject ? #"""#.utf8 : #"","#.utf8) + rest
        } else {
            head = Array("{".utf8) + member
            tail = Array(#""}"#.utf8)
        }
        padding = max(0, totalBytes - head.count - tail.count)
    }

    /// Writes the body in 64 KiB pieces; stops (throwing) when the server stops.
    func write(to writer: inout any ResponseBodyWriter, stopFlag: StopFlag) async throws {
        try await writer.write(ByteBuffer(bytes: head))
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: StoredRecord.generatedChunkSize)
        var remaining = padding
        while remaining > 0 {
            if stopFlag.isSet || Task.isCancelled { throw CancellationError() }
            let count = min(remaining, chunk.readableBytes)
            try await writer.write(chunk.getSlice(at: chunk.readerIndex, length: count) ?? chunk)
            remaining -= count
        }
        try await writer.write(ByteBuffer(bytes: tail))
    }
}
