import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The certificates of an HTTPS emulator, made at start-up: a certificate authority, and a server certificate it
/// signed for the loopback names (`localhost`, `127.0.0.1`, `::1`), so that a client verifies the server as it would
/// the platform's, with no switch that turns verification off.
///
/// P-256 keys: made in microseconds, and accepted by every TLS stack a client of the API uses.
struct TLSIdentity: Sendable {
    /// The authority's certificate, PEM, for clients to trust.
    let caCertificatePEM: String
    /// The server's side of the handshake: its certificate, its key, and ALPN left to Hummingbird (h2, http/1.1).
    let serverConfiguration: TLSConfiguration

    /// A new authority and server certificate, valid from an hour ago (clocks differ) for 30 days.
    static func make(now: Date = Date()) throws -> TLSIdentity {
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(30 * 24 * 3600)

        let caKey = P256.Signing.PrivateKey()
        let caPrivateKey = Certificate.PrivateKey(caKey)
        let caName = try DistinguishedName {
            OrganizationName("apify-emulator")
            CommonName("apify-emulator local CA")
        }
        let caKeyIdentifier = SubjectKeyIdentifier(hash: caPrivateKey.publicKey)
        let caCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: caPrivateKey.publicKey,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                caKeyIdentifier
            },
            issuerPrivateKey: caPrivateKey)

        let serverKey = P256.Signing.PrivateKey()
        let serverPrivateKey = Certificate.PrivateKey(serverKey)
        let serverCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: serverPrivateKey.publicKey,
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName,
            subject: try DistinguishedName { CommonName("localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
                ])
                SubjectKeyIdentifier(hash: serverPrivateKey.publicKey)
                AuthorityKeyIdentifier(keyIdentifier: caKeyIdentifier.keyIdentifier)
            },
            issuerPrivateKey: caPrivateKey)

        let serverPEM = try serverCertificate.serializeAsPEM().pemString
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(serverPEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(serverKey.pemRepresentation.utf8), format: .pem)))
        return TLSIdentity(
            caCertificatePEM: try caCertificate.serializeAsPEM().pemString + "\n", serverConfiguration: configuration)
    }
}
