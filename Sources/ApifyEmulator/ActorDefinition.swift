/// A scripted actor the emulator can run: who it is, which builds it has, and what a run of it does.
///
/// Definitions are JSON (see `ApifyEmulator.docc/ACTORS.md`), loaded with `--actors FILE` as
/// `{"actors": [ActorDefinition, ...]}` or passed in-process through `EmulatorConfiguration.extraActors`:
///
/// ```json
/// {"id": "AbCdEfGhIjKlMnOpQ", "username": "me", "name": "my-actor",
///  "builds": {"latest": "0.0.1", "beta": "0.0.2"},
///  "steps": [{"log": "Starting"}, {"sleep": 0.2},
///            {"record": {"key": "OUTPUT", "json": {"ok": true}}},
///            {"finish": {"status": "SUCCEEDED"}}]}
/// ```
///
/// A run executes `steps` in order; when they run out without a `finish` step the run SUCCEEDED with exit code 0.
public struct ActorDefinition: Sendable, Codable, Equatable {
    /// 17 alphanumeric characters, like the platform's IDs; the actor answers to this ID too.
    public var id: String
    public var username: String
    public var name: String
    public var title: String?
    /// Build tag → build number (`"latest": "0.0.1"`). `build=` accepts a tag or one of the numbers;
    /// anything else is 403 `unknown-build-tag`. Defaults to `{"latest": "0.0.1"}`.
    public var builds: [String: String]?
    /// Memory when the request gives none. Defaults to ``ActorDefinition/standardMemoryMbytes``.
    public var defaultMemoryMbytes: Int?
    /// Timeout when the request gives none (0 = none). Defaults to ``ActorDefinition/standardTimeoutSecs``.
    public var defaultTimeoutSecs: Int?
    public var steps: [ActorStep]
    /// How long a new run stays READY before it is RUNNING, in seconds. Defaults to
    /// ``ActorDefinition/standardReadySecs``; 0 starts it at once, and a few seconds play the platform's wait for
    /// a container.
    public var readySecs: Double?
    /// The Actor output object each run of this actor has, as the platform makes it from an output schema: a JSON
    /// object whose strings may name the run's own URLs and IDs (`{{links.apiDefaultDatasetUrl}}`, `{{run.id}}`,
    /// see ``OutputObject``). Nil for an actor without an output schema: its runs have no `output`.
    public var output: JSONValue?
    /// Faults for requests about this actor (its runs, their storages, its endpoints), in the `--faults` syntax
    /// (see ``FaultRule``), e.g. `"GET /v2/actor-runs/*: 404-after-start=500ms"`.
    public var faults: String?

    /// The memory a run gets when neither the request nor the definition names one. 1024 MB is the platform's
    /// common default for small actors and keeps `diskMbytes` (twice the memory) realistic.
    public static let standardMemoryMbytes = 1024
    /// The platform's default run timeout.
    public static let standardTimeoutSecs = 3600
    /// A READY phase long enough to show in a log of polls, short enough not to slow tests.
    public static let standardReadySecs = 0.01

    public init(
        id: String,
        username: String,
        name: String,
        title: String? = nil,
        builds: [String: String]? = nil,
        defaultMemoryMbytes: Int? = nil,
        defaultTimeoutSecs: Int? = nil,
        steps: [ActorStep],
        readySecs: Double? = nil,
        output: JSONValue? = nil,
        faults: String? = nil
    ) {
        self.id = id
        self.username = username
        self.name = name
        self.title = title
        self.builds = builds
        self.defaultMemoryMbytes = defaultMemoryMbytes
        self.defaultTimeoutSecs = defaultTimeoutSecs
        self.steps = steps
        self.readySecs = readySecs
        self.output = output
        self.faults = faults
    }

    /// `builds`, or the single `latest` build every actor has by default.
    var buildTags: [String: String] { builds ?? ["latest": "0.0.1"] }

    /// `username/name`, the form users type.
    var fullName: String { "\(username)/\(name)" }

    /// Checks what the platform would refuse, so that a bad `--actors` file fails at start with a clear message.
    func validate() throws(EmulatorError) {
        let isAlphanumeric = id.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
        guard id.count == 17, isAlphanumeric else {
            throw .invalidActorDefinition("actor \(fullName): id \"\(id)\" must be 17 letters or digits")
        }
        guard !username.isEmpty, !name.isEmpty, !username.contains("/"), !name.contains("/") else {
            throw .invalidActorDefinition("actor \"\(fullName)\": username and name must be non-empty, without \"/\"")
        }
        guard !buildTags.isEmpty else {
            throw .invalidActorDefinition("actor \(fullName): builds must name at least one tag")
        }
        if let memory = defaultMemoryMbytes, !MemorySize.isValid(memory) {
            throw .invalidActorDefinition(
                "actor \(fullName): defaultMemoryMbytes \(memory) is not a power of 2 in 128..32768")
        }
        if let timeout = defaultTimeoutSecs, timeout < 0 {
            throw .invalidActorDefinition("actor \(fullName): defaultTimeoutSecs must be 0 or more")
        }
        if let ready = readySecs, !(0...3600).contains(ready) {
            throw .invalidActorDefinition("actor \(fullName): readySecs must be from 0 to 3600")
        }
        if let output, case .object = output {
        } else if output != nil {
            throw .invalidActorDefinition("actor \(fullName): output must be a JSON object")
        }
        if let faults {
            do {
                _ = try FaultRule.parse(faults)
            } catch {
                throw .invalidActorDefinition("actor \(fullName): faults: \(error.description)")
            }
        }
    }
}
