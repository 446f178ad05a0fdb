import Foundation

/// Webhooks and their dispatches, run events, and `restartOnError`.
extension EmulatorState {
    /// The most times a failing run with `restartOnError` is restarted; then its failure stands.
    static let maxRestartsOnError = 3

    /// Called when a run has just become terminal: a FAILED run with `restartOnError` starts again (the same run,
    /// storages and input, `stats.restartCount` + 1) instead of ending; otherwise the run's event goes out.
    func runDidFinish(_ id: String) {
        guard var run = runs[id] else { return }
        if run.status == .failed, run.options.restartOnError, run.restartCount < Self.maxRestartsOnError,
            !isShuttingDown, let actor = actor(id: run.actorId)
        {
            let now = Date()
            run.restartCount += 1
            run.generation += 1
            run.status = .running
            run.finishedAt = nil
            run.exitCode = nil
            run.statusMessage = "Restarted after a failure"
            run.isStatusMessageTerminal = false
            run.isStatusMessageFromActor = false
            run.logLines.append(Timestamp.logLine("ACTOR: Run failed; restarting it (restartOnError)", at: now))
            runs[id] = run
            execute(run, actor: actor, input: stores[run.defaultKeyValueStoreId]?["INPUT"], startsRunning: true)
            return
        }
        let eventType = "ACTOR.RUN." + run.status.rawValue.replacingOccurrences(of: "-", with: "_")
        fireRunEvent(eventType, runID: id)
    }

    /// Registers a run's ad-hoc webhooks (bound to it).
    func addAdHocWebhooks(_ hooks: [Webhook], runID: String) {
        for var hook in hooks {
            hook.actorRunId = runID
            webhooks[hook.id] = hook
        }
    }

    /// Sends the event to every webhook it concerns, each as a new dispatch delivered in the background.
    func fireRunEvent(_ eventType: String, runID: String) {
        guard let run = runs[runID], !isShuttingDown else { return }
        var eventData: [JSONValue.Member] = [.init("actorId", .string(run.actorId))]
        if let taskID = run.actorTaskId { eventData.append(.init("actorTaskId", .string(taskID))) }
        eventData.append(.init("actorRunId", .string(run.id)))
        let matching = webhooks.values.filter { $0.matches(eventType: eventType, run: run) }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        for webhook in matching {
            dispatch(
                webhook, eventType: eventType, eventData: .object(eventData),
                resource: run.json(now: Date(), includeUsage: true))
        }
    }

    /// Sends a build's event (`ACTOR.BUILD.*`) to the webhooks of its actor.
    func fireBuildEvent(_ eventType: String, buildID: String) {
        guard let build = builds[buildID], !isShuttingDown else { return }
        let eventData: JSONValue = .object([
            .init("actorId", .string(build.actorId)), .init("actorBuildId", .string(build.id)),
        ])
        let matching = webhooks.values.filter { $0.matches(eventType: eventType, build: build) }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        for webhook in matching {
            dispatch(webhook, eventType: eventType, eventData: eventData, resource: build.json())
        }
    }

    /// Creates a dispatch and starts delivering it; returns it as first recorded.
    @discardableResult
    func dispatch(_ webhook: Webhook, eventType: String, eventData: JSONValue, resource: JSONValue) -> WebhookDispatch {
        let now = Date()
        let dispatch = WebhookDispatch(
            id: PlatformID.random(), webhookId: webhook.id, createdAt: now, status: "ACTIVE", eventType: eventType,
            eventData: eventData)
        dispatches[dispatch.id] = dispatch
        webhooks[webhook.id]?.dispatchCount += 1
        webhooks[webhook.id]?.lastDispatch = ("ACTIVE", nil)
        let variables: [String: JSONValue] = [
            "userId": .string(EmulatedUser.id),
            "createdAt": .string(Timestamp.string(now)),
            "eventType": .string(eventType),
            "eventData": eventData,
            "resource": resource,
        ]
        let payload = WebhookTemplate.render(
            webhook.payloadTemplate ?? Webhook.defaultPayloadTemplate, variables: variables)
        var headers: [(String, String)] = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("X-Apify-Webhook", webhook.id),
            ("X-Apify-Webhook-Dispatch-Id", dispatch.id),
        ]
        if let template = webhook.headersTemplate,
            let extra = try? JSONValue.parse(Array(WebhookTemplate.render(template, variables: variables).utf8)),
            let members = extra.objectMembers
        {
            for member in members {
                if case .string(let value) = member.value {
                    headers.append((member.key, value))
                } else {
                    headers.append((member.key, member.value.serialized))
                }
            }
        }
        if let url = URL(string: webhook.requestUrl) {
            let sender = WebhookSender(
                state: self, dispatchID: dispatch.id, url: url, payload: Array(payload.utf8), headers: headers,
                retries: !webhook.doNotRetry)
            Task { await sender.deliver() }
        }
        return dispatch
    }

    func recordCall(_ dispatchID: String, _ call: WebhookDispatch.Call, status: String) {
        guard var dispatch = dispatches[dispatchID] else { return }
        dispatch.calls.append(call)
        dispatch.status = status
        dispatches[dispatchID] = dispatch
        webhooks[dispatch.webhookId]?.lastDispatch = (status, status == "ACTIVE" ? nil : call.finishedAt)
    }

    // MARK: Webhook CRUD

    /// Creates a webhook; one with the `idempotencyKey` of an existing webhook returns that one instead.
    func createWebhook(_ webhook: Webhook) -> Webhook {
        if let key = webhook.idempotencyKey, let existing = webhooks.values.first(where: { $0.idempotencyKey == key }) {
            return existing
        }
        webhooks[webhook.id] = webhook
        return webhook
    }

    func webhook(id: String) -> Webhook? {
        webhooks[id]
    }

    func replaceWebhook(_ webhook: Webhook) {
        webhooks[webhook.id] = webhook
    }

    func deleteWebhook(id: String) {
        webhooks[id] = nil
    }

    /// Webhooks, oldest first; ad-hoc ones are not listed, as on the platform.
    func webhookList(actorID: String? = nil, taskID: String? = nil) -> [Webhook] {
        webhooks.values.filter { !$0.isAdHoc && (actorID == nil || $0.actorId == actorID) }
            .filter { taskID == nil || $0.actorTaskId == taskID }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    func dispatch(id: String) -> WebhookDispatch? {
        dispatches[id]
    }

    /// Dispatches, oldest first, of one webhook or all.
    func dispatchList(webhookID: String?) -> [WebhookDispatch] {
        dispatches.values.filter { webhookID == nil || $0.webhookId == webhookID }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
}
