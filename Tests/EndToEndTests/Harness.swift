import ApifyEmulator
import EmulatorTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What a finished `actor-run` process left: its exit status and both streams, byte for byte.
struct ProcessResult: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Signals to send the spawned process once something happened: its stderr shows some text (the "started run"
/// line), or the emulator recorded a request (the start is in flight). Synchronised on that event, never on time.
struct Interruption: Sendable {
    enum Trigger: Sendable {
        case stderr(String)
        /// The emulator has recorded a request with this method whose path contains the text.
        case request(method: String, pathContains: String, on: EmulatorServer)
    }

    var trigger: Trigger
    var signals: [Int32]

    init(afterStderrContains text: String, signals: [Int32]) {
        trigger = .stderr(text)
        self.signals = signals
    }

    init(afterRequest method: String, pathContains: String, on server: EmulatorServer, signals: [Int32]) {
        trigger = .request(method: method, pathContains: pathContains, on: server)
        self.signals = signals
    }
}

/// What the spawned process reads on stdin.
enum StandardInput: Sendable {
    case devNull
    case bytes([UInt8])
    /// A pipe that stays open and silent, as in `sleep 60 | actor-run …`.
    case silentPipe
}

/// Spawns the built binaries (they sit beside the test bundle in the build folder) and the in-process emulator.
enum Harness {
    static let token = testToken

    static var buildDirectory: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
    }

    /// The binary under test: the one built beside the tests, or `ACTOR_RUN_UNDER_TEST` (to show that a new test
    /// fails on an older build).
    static var actorRun: URL {
        if let path = ProcessInfo.processInfo.environment["ACTOR_RUN_UNDER_TEST"] { return URL(fileURLWithPath: path) }
        return buildDirectory.appendingPathComponent("actor-run")
    }

    /// An emulator for one test (`EmulatorTestSupport.withEmulator`), configured from test-sized arguments;
    /// `tls` serves HTTPS with a CA of its own (``EmulatorServer/caFilePath``).
    static func withEmulator<T>(
        token: String? = Harness.token,
        actorsJSON: String? = nil,
        faults: String? = nil,
        memoryLimitMbytes: Int = 32768,
        tls: Bool = false,
        _ body: (EmulatorServer) async throws -> T
    ) async throws -> T {
        var actors: [ActorDefinition] = []
        if let actorsJSON {
            actors = try JSONDecoder().decode([ActorDefinition].self, from: Data(actorsJSON.utf8))
        }
        let rules = try faults.map { try FaultRule.parse($0) } ?? []
        return try await EmulatorTestSupport.withEmulator(
            EmulatorConfiguration(
                token: token, extraActors: actors, faults: rules, memoryLimitMbytes: memoryLimitMbytes,
                tls: tls ? TLSOptions() : nil),
            body)
    }

    /// Runs `actor-run` with a clean environment (no inherited token, an empty HOME) and returns when it exits;
    /// a process still running after `timeout` is killed and the test fails.
    ///
    /// The waiting happens on threads of its own, never on Dispatch's or Swift concurrency's shared pool, which
    /// the in-process emulator needs to drive its runs.
    static func run(
        _ arguments: [String],
        emulator: EmulatorServer?,
        token: String? = Harness.token,
        environment extra: [String: String] = [:],
        stdin: StandardInput = .devNull,
        timeout: Duration = .seconds(30),
        workingDirectory: URL? = nil,
        interrupt: Interruption? = nil,
        homeFiles: [String: String] = [:],
        shell: String? = nil
    ) async throws -> ProcessResult {
        var environment: [String: String] = [:]
        if let emulator { environment["APIFY_API_BASE_URL"] = emulator.baseURL }
        if let token { environment["APIFY_TOKEN"] = token }
        environment.merge(extra) { $1 }
        let settings = environment
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        try runBlocking(
                            arguments, environment: settings, stdin: stdin, timeout: timeout,
                            workingDirectory: workingDirectory, interrupt: interrupt, homeFiles: homeFiles,
                            shell: shell)
                    })
            }.start()
        }
    }

    private static func runBlocking(
        _ arguments: [String],
        environment extra: [String: String],
        stdin: StandardInput,
        timeout: Duration,
        workingDirectory: URL?,
        interrupt: Interruption?,
        homeFiles: [String: String],
        shell: String?
    ) throws -> ProcessResult {
        guard FileManager.default.isExecutableFile(atPath: actorRun.path) else {
            throw HarnessError(message: "\(actorRun.path) is missing: build the package first (swift build)")
        }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("actor-run-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        for (path, text) in homeFiles {
            let file = home.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        var environment = ["PATH": "/usr/bin:/bin", "HOME": home.path]
        environment.merge(extra) { $1 }

        let executable = shell == nil ? actorRun.path : "/bin/bash"
        // `bash -c SCRIPT actor-run ARGS…`: the script names the binary "$0" and its arguments "$@".
        let processArguments = shell.map { ["-c", $0, actorRun.path] + arguments } ?? arguments
        let pipesStdin: Bool
        switch stdin {
        case .devNull: pipesStdin = false
        case .bytes, .silentPipe: pipesStdin = true
        }
        let process = try Spawned(
            executable: executable, arguments: processArguments, environment: environment,
            directory: workingDirectory?.path, pipesStdin: pipesStdin)
        if case .bytes(let bytes) = stdin, let input = process.stdin {
            input.write(Data(bytes))
            try input.close()
        }
        let collected = CollectedOutput()
        let group = DispatchGroup()
        let pid = process.pid
        let signalled = SignalOnce()
        @Sendable func send(_ signals: [Int32]) {
            guard signalled.claim() else { return }
            for number in signals {
                kill(pid, number)
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        if let interrupt, case .request(let method, let text, let server) = interrupt.trigger {
            Thread {
                while process.isRunning {
                    let requests = BlockingBridge.wait { await server.recordedRequests() }
                    if requests.contains(where: { $0.method == method && $0.path.contains(text) }) {
                        send(interrupt.signals)
                        return
                    }
                    Thread.sleep(forTimeInterval: 0.01)
                }
            }.start()
        }
        for (handle, isStdout) in [(process.stdout, true), (process.stderr, false)] {
            group.enter()
            Thread {
                var data = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                    if !isStdout, let interrupt, case .stderr(let text) = interrupt.trigger,
                        String(decoding: data, as: UTF8.self).contains(text)
                    {
                        send(interrupt.signals)
                    }
                }
                collected.store(data, isStdout: isStdout)
                group.leave()
            }.start()
        }
        let seconds = Double(timeout.components.seconds)
        if group.wait(timeout: .now() + seconds) == .timedOut {
            kill(process.pid, SIGKILL)
            process.wait()
            throw HarnessError(message: "actor-run \(arguments) did not finish within \(seconds) s")
        }
        let status = process.wait()
        try? process.stdin?.close()
        return ProcessResult(
            status: status, stdout: Array(collected.stdout), stderr: String(decoding: collected.stderr, as: UTF8.self))
    }

    /// A new empty directory for one test's files; the test removes it.
    static func makeTemporaryDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// GETs a URL of the emulator directly (not through the code under test), for checking what it stored.
    static func fetch(_ url: String) async throws -> (status: Int, contentType: String?, body: [UInt8]) {
        var request = URLRequest(url: URL(string: url)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"), Array(data))
    }

    /// The run ID from `actor-run`'s "started run <id>" line.
    static func runID(in result: ProcessResult) throws -> String {
        let line = try #require(result.stderrLines.first { $0.hasPrefix("actor-run: started run ") })
        return String(line.dropFirst("actor-run: started run ".count).prefix { $0 != " " })
    }

    /// How many times the run was polled in `requests`, which must be one run's whole path: the start, the polls of
    /// that run, and its OUTPUT record last. How many polls there are depends on whether the run ended within the
    /// start's hold, which a busy machine decides; the shape does not.
    static func pollsBetweenStartAndRecord(_ requests: [RecordedRequest], runID: String) throws -> Int {
        let paths = requests.map { "\($0.method) \($0.path)" }
        guard requests.count >= 2, requests[0].method == "POST", paths[0].hasSuffix("/runs"),
            paths.last?.hasPrefix("GET /v2/key-value-stores/") == true,
            paths.last?.hasSuffix("/records/OUTPUT") == true,
            paths.dropFirst().dropLast().allSatisfy({ $0 == "GET /v2/actor-runs/\(runID)" })
        else { throw HarnessError(message: "not a start, polls of \(runID) and its record: \(paths)") }
        return requests.count - 2
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var stdout = Data()
    private(set) var stderr = Data()

    func store(_ data: Data, isStdout: Bool) {
        lock.withLock {
            if isStdout { stdout = data } else { stderr = data }
        }
    }
}

/// True once: the signals of an `Interruption` go out a single time.
private final class SignalOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var isClaimed = false

    func claim() -> Bool {
        lock.withLock {
            defer { isClaimed = true }
            return !isClaimed
        }
    }
}

/// Runs an async call from a plain thread and waits for it (the harness's threads are its own, not the pool's).
enum BlockingBridge {
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            box.value = await body()
            semaphore.signal()
        }
        semaphore.wait()
        return box.value!
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
    }
}
