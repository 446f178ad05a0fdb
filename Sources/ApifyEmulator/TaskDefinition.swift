import Foundation

/// A saved task: an actor plus an input and run options, run with `POST /v2/actor-tasks/{id}/runs`.
///
/// JSON, in the `tasks` array of an `--actors` file (or `EmulatorConfiguration.extraTasks`):
///
/// ```json
/// {"id": "MyTaskId000000001", "username": "me", "name": "my-task", "actId": "AbCdEfGhIjKlMnOpQ",
///  "input": {"message": "task"}, "options": {"build": "latest", "timeoutSecs": 60, "memoryMbytes": 512}}
/// ```
///
/// `actId` is the actor's ID; `actor` (`username/name` or `username~name`) may be given instead. The body of a run
/// request, a JSON object, overrides `input` field by field.
public struct TaskDefinition: Sendable, Codable, Equatable {
    public var id: String
    public var username: String
    public var name: String
    public var actId: String?
    public var actor: String?
    public var title: String?
    /// The task's input, a JSON object; `{}` when absent.
    public var input: JSONValue?
    public var options: Options?

    /// Run options saved with the task; a run request's query parameters override them.
    public struct Options: Sendable, Codable, Equatable {
        public var build: String?
        public var timeoutSecs: Int?
        public var memoryMbytes: Int?

        public init(build: String? = nil, timeoutSecs: Int? = nil, memoryMbytes: Int? = nil) {
            self.build = build
            self.timeoutSecs = timeoutSecs
            self.memoryMbytes = memoryMbytes
        }
    }

    public init(
        id: String, username: String, name: String, actId: String? = nil, actor: String? = nil,
        title: String? = nil, input: JSONValue? = nil, options: Options? = nil
    ) {
        self.id = id
        self.username = username
        self.name = name
        self.actId = actId
        self.actor = actor
        self.title = title
        self.input = input
        self.options = options
    }

    /// `username/name`.
    var fullName: String { "\(username)/\(name)" }

    /// The reference to the actor the task runs.
    var actorReference: String { actId ?? actor ?? "" }

    /// Checks the shape; whether the actor exists is checked against the catalog at start.
    func validate(actors: [ActorDefinition]) throws(EmulatorError) {
        guard id.count == 17, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .invalidActorDefinition("task \(fullName): id \"\(id)\" must be 17 letters or digits")
        }
        guard !username.isEmpty, !name.isEmpty, !username.contains("/"), !name.contains("/") else {
            throw .invalidActorDefinition("task \"\(fullName)\": username and name must be non-empty, without \"/\"")
        }
        let reference = actorReference.replacingOccurrences(of: "~", with: "/").lowercased()
        guard actors.contains(where: { $0.id == actorReference || $0.fullName.lowercased() == reference }) else {
            throw .invalidActorDefinition("task \(fullName): no actor \"\(actorReference)\" (give actId or actor)")
        }
        if let input, input.objectMembers == nil {
            throw .invalidActorDefinition("task \(fullName): input must be a JSON object")
        }
        if let memory = options?.memoryMbytes, !MemorySize.isValid(memory) {
            throw .invalidActorDefinition("task \(fullName): memoryMbytes \(memory) is not a power of 2 in 128..32768")
        }
    }

    /// The spec's `Task` object.
    func json(actorID: String, totalRuns: Int, createdAt: Date) -> JSONValue {
        let created = JSONValue.string(Timestamp.string(createdAt))
        var optionMembers: [JSONValue.Member] = []
        if let build = options?.build { optionMembers.append(.init("build", .string(build))) }
        if let timeout = options?.timeoutSecs { optionMembers.append(.init("timeoutSecs", .int(timeout))) }
        if let memory = options?.memoryMbytes { optionMembers.append(.init("memoryMbytes", .int(memory))) }
        return .object([
            .init("id", .string(id)),
            .init("userId", .string(PlatformID.stable(for: "user:\(username)"))),
            .init("actId", .string(actorID)),
            .init("name", .string(name)),
            .init("username", .string(username)),
            .init("title", .string(orNull: title)),
            .init("createdAt", created),
            .init("modifiedAt", created),
            .init("removedAt", .null),
            .init("stats", .object([.init("totalRuns", .int(totalRuns))])),
            .init("options", .object(optionMembers)),
            .init("input", input ?? .object([])),
        ])
    }

    /// The built-in task: `emulator/hello-task` runs `apify/hello-world` with `{"message": "task"}`.
    static let helloTask = TaskDefinition(
        id: "emulatorHelloTask", username: "emulator", name: "hello-task", actId: BuiltInActors.helloWorld.id,
        title: "Hello task", input: .object([.init("message", "task")]))
}
