import Foundation
import Hummingbird
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
public final class EmulatorServer: Sendable {
    /// `http://HOST:PORT` with the bound port.
    public let baseURL: String
    /// The bound port, never 0.
    public let port: Int

    private let state: EmulatorState
    private let requestLog: RequestLog
    private let stopFlag: StopFlag
    private let serviceGroup: ServiceGroup
    private let serverTask: Task<Void, Never>

    private init(
        baseURL: String, port: Int, state: EmulatorState, requestLog: RequestLog, stopFlag: StopFlag,
        serviceGroup: ServiceGroup, serverTask: Task<Void, Never>
    ) {
        self.baseURL = baseURL
        self.port = port
        self.state = state
        self.requestLog = requestLog
        self.stopFlag = stopFlag
        self.serviceGroup = serviceGroup
        self.serverTask = serverTask
    }

    /// Starts listening and returns once the socket is bound, so `baseURL` can be used at once.
    ///
    /// Throws ``EmulatorError/invalidActorDefinition(_:)`` for a bad extra actor or task and
    /// ``EmulatorError/bindFailed(_:)`` when the address cannot be listened on.
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
        let api = EmulatorAPI(
            state: state, requestLog: requestLog, configuredToken: configuration.token,
            readOnlyToken: configuration.readOnlyToken, advertisedHost: advertisedHost, stopFlag: stopFlag,
            runSyncWaitSecs: configuration.runSyncWaitSecs)
        let faults = FaultInjector(global: configuration.faults, actors: actors)
        // Hummingbird logs to stdout by default, and stdout's first line belongs to the base URL.
        let silentLogger = Logger(label: "apify-emulator") { _ in SwiftLogNoOpLogHandler() }
        let (boundPorts, boundPortsContinuation) = AsyncThrowingStream<Int, any Error>.makeStream()
        let application = Application(
            responder: EmulatorResponder(
                api: api, faults: faults, rateLimiter: configuration.rateLimits.map(RateLimiter.init(limits:)),
                logsRequests: !configuration.quiet),
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
            if let error = error as? EmulatorError { throw error }
            throw EmulatorError.bindFailed("\(configuration.host):\(configuration.port): \(error)")
        }
        let baseURL = await api.baseURL()
        return EmulatorServer(
            baseURL: baseURL, port: port, state: state, requestLog: requestLog, stopFlag: stopFlag,
            serviceGroup: serviceGroup, serverTask: serverTask)
    }

    /// Every HTTP request received so far, in order (reads of `/_emulator/requests` excluded).
    public func recordedRequests() async -> [RecordedRequest] {
        await requestLog.all
    }

    /// Stops runs, releases held requests and closes the socket. Safe to call more than once.
    public func stop() async {
        await Self.stopRuns(state, stopFlag)
        await serviceGroup.triggerGracefulShutdown()
        await serverTask.value
    }

    private static func stopRuns(_ state: EmulatorState, _ stopFlag: StopFlag) async {
        stopFlag.set()
        await state.shutDown()
    }
}
