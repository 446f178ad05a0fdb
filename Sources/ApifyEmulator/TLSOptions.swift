/// How an emulator serves HTTPS (`apify-emulator --tls`): it makes a certificate authority of its own at start-up,
/// signs a server certificate for `127.0.0.1`, `::1` and `localhost` with it, and writes the authority's certificate
/// where clients can be told to trust it (`actor-run --cacert`, `curl --cacert`, `SSL_CERT_FILE`).
///
/// Both keys live only in memory and change at every start, so the file is useless after the emulator stops.
public struct TLSOptions: Sendable, Equatable {
    /// Where to write the CA certificate (PEM); nil writes a new file in the temporary directory, removed again by
    /// ``EmulatorServer/stop()``. Read the path from ``EmulatorServer/caFilePath``.
    public var caFilePath: String?

    public init(caFilePath: String? = nil) {
        self.caFilePath = caFilePath
    }
}
