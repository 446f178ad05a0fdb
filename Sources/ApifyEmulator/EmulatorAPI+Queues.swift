import Foundation
import Hummingbird

/// Request queues: the object, adding a request (deduplicated by `uniqueKey`), getting one, and the head.
extension EmulatorAPI {
    func queueJSON(_ queueID: String) async throws(APIError) -> JSONValue {
        guard let queue = await state.queue(queueID) else { throw StorageKind.requestQueue.notFound }
        let metadata = await state.storageMetadata(.requestQueue, id: queueID)
        let run = await state.owningRun(.requestQueue, id: queueID)
        let created = Timestamp.string(metadata?.createdAt ?? run?.startedAt ?? Self.accountCreatedAt)
        let modified = metadata.map { Timestamp.string($0.modifiedAt) } ?? created
        return .object([
            .init("id", .string(queueID)),
            .init("name", .string(orNull: metadata?.name)),
            .init("userId", .string(run?.userId ?? EmulatedUser.id)),
            .init("username", .string(EmulatedUser.username)),
            .init("actId", .string(orNull: run?.actorId)),
            .init("actRunId", .string(orNull: run?.id)),
            .init("createdAt", .string(created)),
            .init("modifiedAt", .string(modified)),
            .init("accessedAt", .string(Timestamp.string(Date()))),
            .init("totalRequestCount", .int(queue.requests.count)),
            .init("handledRequestCount", .int(queue.handledCount)),
            .init("pendingRequestCount", .int(queue.pendingOrder.count)),
            .init("hadMultipleClients", false),
            .init("consoleUrl", .string("\(await baseURL())/storage/request-queues/\(queueID)")),
            .init("generalAccess", "FOLLOW_USER_SETTING"),
        ])
    }

    /// `POST requests`: a JSON object with `url` (and `uniqueKey`, by default the URL); `forefront=true` puts it
    /// at the head. 201 `{requestId, wasAlreadyPresent, wasAlreadyHandled}`.
    func addRequest(_ queueReference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let queueID = try await existingStorage(.requestQueue, queueReference, request: request)
        guard let body = try? JSONValue.parse(request.body), let members = body.objectMembers else {
            throw .invalidInput("The request body must be a JSON object.")
        }
        guard case .string(let url)? = members.first(where: { $0.key == "url" })?.value, !url.isEmpty else {
            throw .invalidInput("The request must have a \"url\" (a string).")
        }
        var uniqueKey = url
        if case .string(let given)? = members.first(where: { $0.key == "uniqueKey" })?.value, !given.isEmpty {
            uniqueKey = given
        }
        let forefront = try RunQuery(request.query).boolean("forefront") ?? false
        guard let added = await state.addRequest(queueID, members, uniqueKey: uniqueKey, forefront: forefront) else {
            throw StorageKind.requestQueue.notFound
        }
        return JSONResponse.data(
            .object([
                .init("requestId", .string(added.id)),
                .init("wasAlreadyPresent", .bool(added.wasAlreadyPresent)),
                .init("wasAlreadyHandled", .bool(added.wasAlreadyHandled)),
            ]), status: .created)
    }

    func getRequest(_ queueReference: String, requestID: String, request: APIRequest) async throws(APIError)
        -> Response
    {
        let queueID = try await existingStorage(.requestQueue, queueReference, request: request)
        guard let stored = await state.queue(queueID)?.requests[requestID] else {
            throw APIError(status: .notFound, type: "record-not-found", message: "Request was not found")
        }
        return JSONResponse.data(stored)
    }

    /// The first `limit` (default 100) pending requests, without locking them.
    func queueHead(_ queueReference: String, request: APIRequest) async throws(APIError) -> Response {
        let queueID = try await existingStorage(.requestQueue, queueReference, request: request)
        let limit = try RunQuery(request.query).integer("limit") ?? 100
        guard limit >= 0 else {
            throw .invalidInput("Invalid value of \"limit\" parameter: \(limit) is not 0 or more.")
        }
        guard let queue = await state.queue(queueID) else { throw StorageKind.requestQueue.notFound }
        let modified = await state.storageMetadata(.requestQueue, id: queueID)?.modifiedAt ?? Date()
        let items: [JSONValue] = queue.pendingOrder.prefix(limit).compactMap { id in
            guard let members = queue.requests[id]?.objectMembers else { return nil }
            let kept: Set<String> = ["id", "uniqueKey", "url", "method", "retryCount"]
            return .object(members.filter { kept.contains($0.key) })
        }
        return JSONResponse.data(
            .object([
                .init("limit", .int(limit)),
                .init("queueModifiedAt", .string(Timestamp.string(modified))),
                .init("hadMultipleClients", false),
                .init("items", .array(items)),
            ]))
    }
}

extension EmulatorState {
    func queue(_ id: String) -> RequestQueue? {
        queues[id]
    }

    func addRequest(
        _ queueID: String, _ request: [JSONValue.Member], uniqueKey: String, forefront: Bool
    ) -> (id: String, wasAlreadyPresent: Bool, wasAlreadyHandled: Bool)? {
        guard queues[queueID] != nil else { return nil }
        let added = queues[queueID]!.add(request, uniqueKey: uniqueKey, forefront: forefront)
        storageMetadata[queueID]?.modifiedAt = Date()
        return added
    }
}
