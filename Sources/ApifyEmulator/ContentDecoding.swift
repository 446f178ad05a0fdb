import CompressNIO
import Foundation
import NIOCore

/// Decodes request bodies sent with `Content-Encoding: gzip` or `deflate` (the Python client gzips every JSON body
/// of 1 KiB or more), as the platform stores the decoded bytes.
enum ContentDecoding {
    /// The decoded body; 415 `unsupported-content-encoding` for other encodings, 400 for bytes that do not decode,
    /// 413 when the decoded body exceeds the input limit (decoding stops there: a small bomb stays small).
    static func decode(_ body: [UInt8], encoding: String) -> Result<[UInt8], APIError> {
        let name = encoding.trimmingCharacters(in: .whitespaces).lowercased()
        if name == "identity" || body.isEmpty { return .success(body) }
        let algorithms: [CompressionAlgorithm]
        switch name {
        case "gzip", "x-gzip": algorithms = [.gzip()]
        // HTTP's "deflate" is the zlib format (RFC 9110), but some clients send raw deflate.
        case "deflate": algorithms = [.zlib(), .deflate()]
        default:
            return .failure(
                APIError(
                    status: .unsupportedMediaType, type: "unsupported-content-encoding",
                    message: "Content-Encoding \"\(encoding)\" is not supported; use gzip, deflate or identity."))
        }
        for algorithm in algorithms {
            var compressed = ByteBuffer(bytes: body)
            do {
                let decoded = try compressed.decompress(with: algorithm, maxSize: RequestLimits.maxInputBytes + 1)
                guard decoded.readableBytes <= RequestLimits.maxInputBytes else { return .failure(.requestTooLarge) }
                return .success(Array(decoded.readableBytesView))
            } catch let error as CompressNIOError where error == .bufferOverflow {
                return .failure(.requestTooLarge)
            } catch {
                continue
            }
        }
        return .failure(.invalidInput("The request body is not valid \(name) data."))
    }
}
