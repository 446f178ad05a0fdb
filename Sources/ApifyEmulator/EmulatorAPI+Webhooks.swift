import Foundation
import Hummingbird

/// Webhooks (create, list, get, update, delete, test) and their dispatches.
extension EmulatorAPI {
    func createWebhook(_ request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        guard let body = try? JSONValue.parse(request.body) else {
            throw .invalidInput("The request body is not valid JSON.")
        }
        let webhook = await state.createWebhook(try Webhook(json: body, isAdHoc: false))
        return JSONResponse.data(
            webhook.json(), status: .created, headers: [.location: "\(await baseURL())/v2/webhooks/\(webhook.id)"])
    }

    func existingWebhook(_ id: String, request: APIRequest) async throws(APIError) -> Webhook {
        try requireToken(request)
        guard let webhook = await state.webhook(id: id) else {
            throw APIError(status: .notFound, type: "record-not-found", message: "Webhook was not found")
        }
        return webhook
    }

    func getWebhook(_ id: String, request: APIRequest) async throws(APIError) -> Response {
        JSONResponse.data(try await existingWebhook(id, request: request).json())
    }

    /// Changes the fields given; the result must still be a valid webhook.
    func updateWebhook(_ id: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        var webhook = try await existingWebhook(id, request: request)
        guard let body = try? JSONValue.parse(request.body), let members = body.objectMembers else {
            throw .invalidInput("The request body must be a JSON object.")
        }
        try webhook.apply(members, requiresAll: false)
        webhook.modifiedAt = Date()
        await state.replaceWebhook(webhook)
        return JSONResponse.data(webhook.json())
    }

    func deleteWebhook(_ id: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        _ = try await existingWebhook(id, request: request)
        await state.deleteWebhook(id: id)
        return Response(status: .noContent)
    }

    /// Sends a `TEST` event now; 201 with the new dispatch.
    func testWebhook(_ id: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let webhook = try await existingWebhook(id, request: request)
        let dispatch = await state.dispatch(
            webhook, eventType: "TEST", eventData: .null, resource: .object([.init("webhookId", .string(id))]))
        return JSONResponse.data(dispatch.json(webhook: webhook), status: .created)
    }

    /// Webhooks of the account, of an actor or of a task.
    func listWebhooks(_ owner: RunOwner?, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        var webhooks: [Webhook]
        switch owner {
        case .actor(let reference):
            guard let actor = await state.actor(for: reference) else { throw .actorNotFound }
            webhooks = await state.webhookList(actorID: actor.id)
        case .task(let reference):
            let (task, _) = try await existingTask(reference)
            webhooks = await state.webhookList(taskID: task.id)
        case nil:
            webhooks = await state.webhookList()
        }
        return try page(webhooks.map { $0.json() }, request: request)
    }

    func listDispatches(_ webhookID: String?, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        if let webhookID { _ = try await existingWebhook(webhookID, request: request) }
        var items: [JSONValue] = []
        for dispatch in await state.dispatchList(webhookID: webhookID) {
            items.append(dispatch.json(webhook: await state.webhook(id: dispatch.webhookId)))
        }
        return try page(items, request: request)
    }

    func getDispatch(_ id: String, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        guard let dispatch = await state.dispatch(id: id) else {
            throw APIError(status: .notFound, type: "record-not-found", message: "Webhook dispatch was not found")
        }
        return JSONResponse.data(dispatch.json(webhook: await state.webhook(id: dispatch.webhookId)))
    }

    /// `offset`, `limit` and `desc` over items in creation order, in the list envelope.
    private func page(_ all: [JSONValue], request: APIRequest) throws(APIError) -> Response {
        let query = RunQuery(request.query)
        let offset = max(0, try query.integer("offset") ?? 0)
        let limit = try query.listLimit()
        let desc = try query.boolean("desc") ?? false
        let ordered = desc ? Array(all.reversed()) : all
        let page = Array(ordered.dropFirst(offset).prefix(limit))
        return JSONResponse.page(page, total: all.count, offset: offset, limit: limit, desc: desc)
    }
}
