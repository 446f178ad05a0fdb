/// How to start an emulator: where it listens, which token it accepts, which actors it knows besides the built-ins.
public struct EmulatorConfiguration: Sendable {
    /// Loopback by default: the emulator has no real security and should not be reachable from elsewhere.
    public var host: String = "127.0.0.1"
    /// 0 picks a free port; read the bound one from ``EmulatorServer/port``.
    public var port: Int = 0
    /// When set, only this token is accepted (any other is 401 `user-or-token-not-found`); when nil, any non-empty
    /// token is. Endpoints that need a token still answer 401 `token-not-provided` without one.
    public var token: String? = nil
    /// No request lines on stderr.
    public var quiet: Bool = true
    /// Scripted actors in addition to the built-in ones; one with a built-in's ID or name replaces it.
    public var extraActors: [ActorDefinition] = []
    /// Tasks in addition to the built-in `emulator/hello-task`; one with a built-in's ID or name replaces it.
    public var extraTasks: [TaskDefinition] = []
    /// Faults to inject (see ``FaultRule`` and the FAULTS section of `ACTORS.md`); parse a `--faults` text with
    /// ``FaultRule/parse(_:)``.
    public var faults: [FaultRule] = []
    /// The account memory limit: starting a run whose memory plus that of READY and RUNNING runs exceeds it answers
    /// 402 `actor-memory-limit-exceeded`.
    public var memoryLimitMbytes: Int = 32768
    /// At most this many runs may be going (READY, RUNNING, TIMING-OUT or ABORTING) at once; one more start answers
    /// 402 `concurrent-runs-limit-exceeded`. 32 is the platform's limit for the plan with a 32 GB memory limit.
    public var concurrentRunsLimit: Int = 32
    /// Per-resource request limits, the platform's by default; nil turns them off (`--no-rate-limit`).
    public var rateLimits: RateLimits? = .platform
    /// A second valid token, read-only: what it may not do (start, abort, resurrect, run-sync) answers 403
    /// `insufficient-permissions`, like a scoped token without the permission on the platform.
    public var readOnlyToken: String? = nil
    /// How long `run-sync` and `run-sync-get-dataset-items` wait before answering 408 `run-timeout-exceeded` (the
    /// platform's 300 s; tests set less).
    public var runSyncWaitSecs: Double = 300
    /// HTTPS with HTTP/2 and HTTP/1.1 by ALPN, with certificates made at start-up (see ``TLSOptions``); nil serves
    /// plain HTTP/1.1.
    public var tls: TLSOptions? = nil

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        token: String? = nil,
        quiet: Bool = true,
        extraActors: [ActorDefinition] = [],
        extraTasks: [TaskDefinition] = [],
        faults: [FaultRule] = [],
        memoryLimitMbytes: Int = 32768,
        runSyncWaitSecs: Double = 300,
        concurrentRunsLimit: Int = 32,
        rateLimits: RateLimits? = .platform,
        readOnlyToken: String? = nil,
        tls: TLSOptions? = nil
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.quiet = quiet
        self.extraActors = extraActors
        self.extraTasks = extraTasks
        self.faults = faults
        self.memoryLimitMbytes = memoryLimitMbytes
        self.runSyncWaitSecs = runSyncWaitSecs
        self.concurrentRunsLimit = concurrentRunsLimit
        self.rateLimits = rateLimits
        self.readOnlyToken = readOnlyToken
        self.tls = tls
    }
}
