import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import ServiceLifecycle

/// A running emulator: an HTTP server on a loopback port, serving the emulated Apify API from memory.
///
/// ```swift
/// let server = try await EmulatorServer.start(EmulatorConfiguration(token: "secret"))
/// defer { Task { await server.stop() } }
/// // point a client at server.baseURL, then inspect await server.recordedRequests()
/// ```
///
/// Each server is independent (its own actors, runs and storages), so parallel tests can each start one.
///
/// With ``EmulatorConfiguration/tls`` it serves HTTPS instead, HTTP/2 or HTTP/1.1 as the client offers by ALPN,
/// with a certificate signed by an authority it makes at start-up (``caFilePath``).
public final class EmulatorServer: Sendable {
    /// `http://HOST:PORT` (`https://` with TLS) with the bound port.
    public let baseURL: String
    /// The bound port, never 0.
    public let port: Int
    /// With TLS, the file holding the CA certificate that clients must trust (`--cacert`); nil without TLS.
    public let caFilePath: String?
    /// With TLS, the CA certificate (PEM) written to ``caFilePath``; nil without TLS.
    public let caCertificatePEM: String?

    private let state: EmulatorState
    private let requestLog: RequestLog
    private let stopFlag: StopFlag
    private let serviceGroup: ServiceGroup
    private let serverTask: Task<Void, Never>
    /// The CA file to remove at stop: one the server chose itself in the temporary directory.
    private let ownedCAFile: String?

    private init(
        baseURL: String, port: Int, tls: (path: String, pem: String, isOwned: Bool)?, state: EmulatorState,
        requestLog: RequestLog, stopFlag: StopFlag, serviceGroup: ServiceGroup, serverTask: Task<Void, Never>
    ) {
        self.baseURL = baseURL
        self.port = port
        self.caFilePath = tls?.path
        self.caCertificatePEM = tls?.pem
        self.ownedCAFile = tls?.isOwned == true ? tls?.path : nil
        self.state = state
        self.requestLog = requestLog
        self.stopFlag = stopFlag
        self.serviceGroup = serviceGroup
        self.serverTask = serverTask
    }

    /// Starts listening and returns once the socket is bound, so `baseURL` can be used at once.
    ///
    /// Throws ``EmulatorError/invalidActorDefinition(_:)`` for a bad extra actor or task,
    /// ``EmulatorError/bindFailed(_:)`` when the address cannot be listened on, and
    /// ``EmulatorError/tlsSetupFailed(_:)`` when the CA file cannot be written.
    public static func start(_ configuration: EmulatorConfiguration) async throws -> EmulatorServer {
        for actor in configuration.extraActors {
            try actor.validate()
        }
        let actors = BuiltInActors.all + configuration.extraActors
        for task in configuration.extraTasks {
            try task.validate(actors: actors)
        }
        let state = EmulatorState(
            actors: actors, tasks: [TaskDefinition.helloTask] + configuration.extraTasks,
            memoryLimitMbytes: configuration.memoryLimitMbytes, concurrentRunsLimit: configuration.concurrentRunsLimit)
        let requestLog = RequestLog()
        let stopFlag = StopFlag()
        let advertisedHost = ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
        var api = EmulatorAPI(
            state: state, requestLog: requestLog, configuredToken: configuration.token,
            readOnlyToken: configuration.readOnlyToken, advertisedHost: advertisedHost, stopFlag: stopFlag,
            runSyncWaitSecs: configuration.runSyncWaitSecs)
        var server = HTTPServerBuilder.http1()
        var tls: (path: String, pem: String, isOwned: Bool)?
        if let options = configuration.tls {
            let identity: TLSIdentity
            do {
                identity = try TLSIdentity.make()
            } catch {
                throw EmulatorError.tlsSetupFailed("cannot make the certificates: \(error)")
            }
            let path =
                options.caFilePath
                ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                    "apify-emulator-ca-\(UUID().uuidString).pem"
                ).path
            do {
                try Data(identity.caCertificatePEM.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw EmulatorError.tlsSetupFailed("cannot write the CA certificate to \(path): \(error)")
            }
            tls = (path, identity.caCertificatePEM, options.caFilePath == nil)
            server = try .http2Upgrade(tlsConfiguration: identity.serverConfiguration)
            api.scheme = "https"
        }
        let faults = FaultInjector(global: configuration.faults, actors: actors)
        // Hummingbird logs to stdout by default, and stdout's first line belongs to the base URL.
        let silentLogger = Logger(label: "apify-emulator") { _ in SwiftLogNoOpLogHandler() }
        let (boundPorts, boundPortsContinuation) = AsyncThrowingStream<Int, any Error>.makeStream()
        let application = Application(
            responder: EmulatorResponder(
                api: api, faults: faults, rateLimiter: configuration.rateLimits.map(RateLimiter.init(limits:)),
                logsRequests: !configuration.quiet),
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await state.setPort(port)
                boundPortsContinuation.yield(port)
                boundPortsContinuation.finish()
            },
            logger: silentLogger
        )
        var groupConfiguration = ServiceGroupConfiguration(services: [application], logger: silentLogger)
        // Held requests are released by `stop()`; anything else still open after this is cut off.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(2)
        let serviceGroup = ServiceGroup(configuration: groupConfiguration)
        let serverTask = Task {
            do {
                try await serviceGroup.run()
                boundPortsContinuation.finish()
            } catch {
                boundPortsContinuation.finish(throwing: error)
            }
        }
        let port: Int
        do {
            var ports = boundPorts.makeAsyncIterator()
            guard let bound = try await ports.next() else {
                throw EmulatorError.bindFailed("the server stopped before it listened")
            }
            port = bound
        } catch {
            serverTask.cancel()
            await stopRuns(state, stopFlag)
            if let owned = tls?.isOwned == true ? tls?.path : nil { try? FileManager.default.removeItem(atPath: owned) }
            if let error = error as? EmulatorError { throw error }
            throw EmulatorError.bindFailed("\(configuration.host):\(configuration.port): \(error)")
        }
        let baseURL = await api.baseURL()
        return EmulatorServer(
            baseURL: baseURL, port: port, tls: tls, state: state, requestLog: requestLog, stopFlag: stopFlag,
            serviceGroup: serviceGroup, serverTask: serverTask)
    }

    /// Every HTTP request received so far, in order (reads of `/_emulator/requests` excluded).
    public func recordedRequests() async -> [RecordedRequest] {
        await requestLog.all
    }

    /// Stops runs, releases held requests and closes the socket, and removes a CA file it chose itself. Safe to
    /// call more than once.
    public func stop() async {
        await Self.stopRuns(state, stopFlag)
        await serviceGroup.triggerGracefulShutdown()
        await serverTask.value
        if let ownedCAFile { try? FileManager.default.removeItem(atPath: ownedCAFile) }
    }

    private static func stopRuns(_ state: EmulatorState, _ stopFlag: StopFlag) async {
        stopFlag.set()
        await state.shutDown()
    }
}
