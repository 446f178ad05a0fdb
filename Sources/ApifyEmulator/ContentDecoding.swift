import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decodes request bodies sent with `Content-Encoding: gzip` or `deflate` (the Python client gzips every JSON body
/// of 1 KiB or more), using the system's zlib, loaded at run time so that the package needs no C module for it.
enum ContentDecoding {
    /// The decoded body; 415 `unsupported-content-encoding` for other encodings (or without zlib), 400 for bytes
    /// that do not decode, 413 when the decoded body exceeds the input limit.
    static func decode(_ body: [UInt8], encoding: String) -> Result<[UInt8], APIError> {
        let name = encoding.trimmingCharacters(in: .whitespaces).lowercased()
        if name == "identity" || body.isEmpty { return .success(body) }
        guard name == "gzip" || name == "x-gzip" || name == "deflate", let zlib = Zlib.shared else {
            return .failure(
                APIError(
                    status: .unsupportedMediaType, type: "unsupported-content-encoding",
                    message: "Content-Encoding \"\(encoding)\" is not supported; use gzip, deflate or identity."))
        }
        guard let decoded = zlib.inflate(body, limit: RequestLimits.maxInputBytes) else {
            return .failure(.invalidInput("The request body is not valid \(name) data."))
        }
        return decoded.count > RequestLimits.maxInputBytes ? .failure(.requestTooLarge) : .success(decoded)
    }
}

/// The three zlib functions inflating needs, looked up in `libz.so.1`.
private struct Zlib: @unchecked Sendable {
    /// `z_stream` on LP64 platforms, field for field.
    struct Stream {
        var nextIn: UnsafePointer<UInt8>?
        var availIn: UInt32 = 0
        var totalIn: UInt = 0
        var nextOut: UnsafeMutablePointer<UInt8>?
        var availOut: UInt32 = 0
        var totalOut: UInt = 0
        var message: UnsafePointer<CChar>?
        var state: OpaquePointer?
        var allocate: OpaquePointer?
        var free: OpaquePointer?
        var opaque: OpaquePointer?
        var dataType: Int32 = 0
        var adler: UInt = 0
        var reserved: UInt = 0
    }

    typealias InitFunction = @convention(c) (UnsafeMutableRawPointer, Int32, UnsafePointer<CChar>, Int32) -> Int32
    typealias InflateFunction = @convention(c) (UnsafeMutableRawPointer, Int32) -> Int32
    typealias EndFunction = @convention(c) (UnsafeMutableRawPointer) -> Int32

    let initialize: InitFunction
    let inflate: InflateFunction
    let end: EndFunction

    static let shared: Zlib? = {
        guard MemoryLayout<Stream>.size == 112,
            let handle = dlopen("libz.so.1", RTLD_NOW) ?? dlopen("libz.dylib", RTLD_NOW),
            let initialize = dlsym(handle, "inflateInit2_"), let inflate = dlsym(handle, "inflate"),
            let end = dlsym(handle, "inflateEnd")
        else { return nil }
        return Zlib(
            initialize: unsafeBitCast(initialize, to: InitFunction.self),
            inflate: unsafeBitCast(inflate, to: InflateFunction.self),
            end: unsafeBitCast(end, to: EndFunction.self))
    }()

    /// Inflates gzip or zlib data (the header is detected); nil when it is not valid. Stops a little past `limit`.
    func inflate(_ input: [UInt8], limit: Int) -> [UInt8]? {
        var stream = Stream()
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        return input.withUnsafeBufferPointer { inputBuffer -> [UInt8]? in
            stream.nextIn = inputBuffer.baseAddress
            stream.availIn = UInt32(inputBuffer.count)
            return withUnsafeMutablePointer(to: &stream) { pointer -> [UInt8]? in
                // 15 window bits + 32: accept both the gzip and the zlib header.
                guard initialize(pointer, 15 + 32, "1", Int32(MemoryLayout<Stream>.size)) == 0 else { return nil }
                defer { _ = end(pointer) }
                while true {
                    let result = chunk.withUnsafeMutableBufferPointer { chunkBuffer -> Int32 in
                        pointer.pointee.nextOut = chunkBuffer.baseAddress
                        pointer.pointee.availOut = UInt32(chunkBuffer.count)
                        let result = inflate(pointer, 0)
                        output.append(contentsOf: chunkBuffer[0..<(chunkBuffer.count - Int(pointer.pointee.availOut))])
                        return result
                    }
                    if result == 1 { return output }  // Z_STREAM_END
                    guard result == 0, output.count <= limit else { return output.count > limit ? output : nil }
                    if pointer.pointee.availIn == 0 && pointer.pointee.availOut != 0 { return nil }  // truncated
                }
            }
        }
    }
}
