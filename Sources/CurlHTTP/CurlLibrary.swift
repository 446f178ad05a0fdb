import CCurl

/// libcurl itself, which this process loads when it first needs it rather than when it starts.
///
/// `--version`, `--help` and a usage error never touch the network, and mapping libcurl with everything it links
/// costs more than the rest of such an invocation. A program that will send requests starts the load early on a
/// thread of its own (`ar_curl_preload`, which actor-run calls before main), then calls `load()` before its first
/// request; a `CurlSession` made without either loads the library itself.
public enum CurlLibrary {
    /// Waits until libcurl is loaded and initialised (loading it here if nothing started the load).
    /// - Throws: `HTTPError` of kind `.other` when the library is missing or too old to use.
    public static func load() throws(HTTPError) {
        if let reason = loadFailure {
            throw HTTPError(
                kind: .other, message: "cannot load libcurl: \(reason) (install libcurl4)",
                requestMayHaveReachedServer: false)
        }
    }

    /// Why libcurl could not be loaded, or nil once it is ready; loads it on first use.
    static var loadFailure: String? {
        ar_curl_load().map { String(cString: $0) }
    }
}
