import Foundation

/// Builds: starting one (it succeeds after ``ActorBuild/duration`` and takes its tag), reading, waiting, listing.
extension EmulatorState {
    /// Starts a build of `version` (e.g. `0.0`): its number is the version's next, and it tags itself when done.
    func startBuild(of actor: ActorDefinition, version: String, tag: String?, userAgent: String?) -> ActorBuild {
        let numbers = builds.values.filter { $0.actorId == actor.id }.map(\.number) + Array(actor.buildTags.values)
        let next =
            numbers.compactMap { number -> Int? in
                guard number.hasPrefix(version + ".") else { return nil }
                return Int(number.dropFirst(version.count + 1))
            }
            .max().map { $0 + 1 } ?? 1
        let number = "\(version).\(next)"
        let now = Date()
        let build = ActorBuild(
            id: PlatformID.stable(for: "build:\(actor.id):\(number)"), actorId: actor.id, number: number, tag: tag,
            status: .ready, startedAt: now,
            logLines: [Timestamp.logLine("ACTOR: Build \(number) of \(actor.fullName) queued", at: now)],
            userAgent: userAgent)
        builds[build.id] = build
        fireBuildEvent("ACTOR.BUILD.CREATED", buildID: build.id)
        Task { await self.playBuild(build.id) }
        return build
    }

    private func playBuild(_ id: String) async {
        try? await Task.sleep(for: .milliseconds(10))
        updateBuild(id) {
            $0.status = .running
            $0.logLines.append(Timestamp.logLine("ACTOR: Building the Docker image", at: Date()))
        }
        try? await Task.sleep(for: ActorBuild.duration)
        updateBuild(id) {
            $0.status = .succeeded
            $0.finishedAt = Date()
            $0.logLines.append(Timestamp.logLine("ACTOR: Build finished", at: Date()))
        }
        if let build = builds[id], build.status == .succeeded, let tag = build.tag {
            tagBuild(actorID: build.actorId, tag: tag, number: build.number)
            fireBuildEvent("ACTOR.BUILD.SUCCEEDED", buildID: id)
        }
    }

    private func updateBuild(_ id: String, _ change: (inout ActorBuild) -> Void) {
        guard var build = builds[id], !build.status.isTerminal else { return }
        change(&build)
        builds[id] = build
    }

    /// Aborts a build still going (it ends ABORTED and takes no tag); a finished one is left alone.
    func abortBuild(_ id: String) -> ActorBuild? {
        guard let build = builds[id] else { return nil }
        guard !build.status.isTerminal else { return build }
        updateBuild(id) {
            $0.status = .aborted
            $0.finishedAt = Date()
            $0.logLines.append(Timestamp.logLine("ACTOR: Build aborted", at: Date()))
        }
        fireBuildEvent("ACTOR.BUILD.ABORTED", buildID: id)
        return builds[id]
    }

    func build(id: String) -> ActorBuild? {
        builds[id]
    }

    /// Holds until the build is terminal, `seconds` pass or the server stops. Builds are short and rare, so a
    /// polling tick is enough here.
    func waitForBuild(_ id: String, seconds: Double) async -> ActorBuild? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while let build = builds[id], !build.status.isTerminal, !isShuttingDown, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return builds[id]
    }

    /// Builds of one actor (or all), oldest first.
    func builds(actorID: String?) -> [ActorBuild] {
        builds.values.filter { actorID == nil || $0.actorId == actorID }
            .sorted {
                ($0.startedAt, ActorDefinition.buildNumberInt($0.number)) < (
                    $1.startedAt, ActorDefinition.buildNumberInt($1.number)
                )
            }
    }

    func deleteBuild(_ id: String) {
        builds[id] = nil
    }
}
