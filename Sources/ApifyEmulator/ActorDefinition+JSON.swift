import Foundation

extension ActorDefinition {
    /// The spec's `Actor` object (`components/schemas/Actor`), required fields filled in.
    func json(totalRuns: Int, createdAt: Date) -> JSONValue {
        let created = JSONValue.string(Timestamp.string(createdAt))
        let taggedBuilds = buildTags.sorted { $0.key < $1.key }.map { tag, number in
            JSONValue.Member(
                tag,
                .object([
                    .init("buildId", .string(PlatformID.stable(for: "build:\(id):\(number)"))),
                    .init("buildNumber", .string(number)),
                    .init("buildNumberInt", .int(Self.buildNumberInt(number))),
                    .init("finishedAt", created),
                ]))
        }
        return .object([
            .init("id", .string(id)),
            .init("userId", .string(PlatformID.stable(for: "user:\(username)"))),
            .init("name", .string(name)),
            .init("username", .string(username)),
            .init("title", .string(orNull: title)),
            .init("isPublic", true),
            .init("createdAt", created),
            .init("modifiedAt", created),
            .init(
                "stats",
                .object([
                    .init("totalBuilds", .int(buildTags.count)),
                    .init("totalRuns", .int(totalRuns)),
                    .init("totalUsers", 1),
                ])),
            .init("versions", .array([.object([.init("versionNumber", "0.0"), .init("sourceType", "SOURCE_FILES")])])),
            .init(
                "defaultRunOptions",
                .object([
                    .init("build", buildTags["latest"] != nil ? "latest" : .string(buildTags.keys.sorted()[0])),
                    .init("timeoutSecs", .int(defaultTimeoutSecs ?? Self.standardTimeoutSecs)),
                    .init("memoryMbytes", .int(defaultMemoryMbytes ?? Self.standardMemoryMbytes)),
                    .init("restartOnError", false),
                ])),
            .init("taggedBuilds", .object(taggedBuilds)),
            .init("isDeprecated", false),
        ])
    }

    /// `1.2.34` → 1_002_034-style ordering number; the platform's exact formula is undocumented.
    static func buildNumberInt(_ number: String) -> Int {
        number.split(separator: ".").reduce(0) { $0 * 1000 + (Int($1) ?? 0) }
    }
}
