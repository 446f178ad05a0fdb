import Foundation
import Hummingbird

/// Run lists (of an actor, a task or the account), the task object, and storage objects.
extension EmulatorAPI {
    /// `{"data": {total, offset, limit, count, desc, items: [RunShort]}}`, oldest first unless `desc`, filtered by
    /// `status` (a list) and the inclusive `startedAfter` / `startedBefore`.
    func listRuns(_ owner: RunOwner?, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        var actorID: String?
        var taskID: String?
        switch owner {
        case .actor(let reference):
            guard let actor = await state.actor(for: reference) else { throw .actorNotFound }
            actorID = actor.id
        case .task(let reference):
            taskID = try await existingTask(reference).0.id
        case nil:
            break
        }
        let query = RunQuery(request.query)
        let statuses = try query.statuses()
        let offset = max(0, try query.integer("offset") ?? 0)
        let limit = try query.listLimit()
        let desc = try query.boolean("desc") ?? false
        let startedAfter = try query.milliseconds("startedAfter")
        let startedBefore = try query.milliseconds("startedBefore")
        var runs = await state.runs(actorID: actorID, taskID: taskID).filter { run in
            let started = RunQuery.milliseconds(of: Timestamp.string(run.startedAt)) ?? 0
            return (statuses?.contains(run.status) ?? true) && started >= (startedAfter ?? .min)
                && started <= (startedBefore ?? .max)
        }
        if desc { runs.reverse() }
        let page = runs.dropFirst(offset).prefix(limit)
        return JSONResponse.page(
            page.map { $0.shortJSON() }, total: runs.count, offset: offset, limit: limit, desc: desc)
    }

    func getTask(_ reference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        let (task, actor) = try await existingTask(reference)
        let totalRuns = await state.runs(actorID: nil, taskID: task.id).count
        return JSONResponse.data(task.json(actorID: actor.id, totalRuns: totalRuns, createdAt: Self.accountCreatedAt))
    }

    /// The spec's `KeyValueStore` object: a run's default store, or a created (perhaps named) one.
    func store(_ storeID: String) async throws(APIError) -> Response {
        JSONResponse.data(try await storeJSON(storeID))
    }

    func storeJSON(_ storeID: String) async throws(APIError) -> JSONValue {
        guard let info = await state.storeInfo(storeID) else { throw .storeNotFound }
        let metadata = await state.storageMetadata(.keyValueStore, id: storeID)
        let created = JSONValue.string(
            Timestamp.string(metadata?.createdAt ?? info.run?.startedAt ?? Self.accountCreatedAt))
        let modified = metadata.map { JSONValue.string(Timestamp.string($0.modifiedAt)) } ?? created
        let base = await baseURL()
        return .object([
            .init("id", .string(storeID)),
            .init("name", .string(orNull: metadata?.name)),
            .init("userId", .string(info.run?.userId ?? EmulatedUser.id)),
            .init("username", .string(EmulatedUser.username)),
            .init("createdAt", created),
            .init("modifiedAt", modified),
            .init("accessedAt", .string(Timestamp.string(Date()))),
            .init("actId", .string(orNull: info.run?.actorId)),
            .init("actRunId", .string(orNull: info.run?.id)),
            .init("consoleUrl", .string("\(base)/storage/key-value-stores/\(storeID)")),
            .init("keysPublicUrl", .string("\(base)/v2/key-value-stores/\(storeID)/keys")),
            .init("recordsPublicUrl", .string("\(base)/v2/key-value-stores/\(storeID)/records")),
            .init("generalAccess", "FOLLOW_USER_SETTING"),
            .init("stats", .object([.init("storageBytes", .int(info.bytes))])),
        ])
    }

    /// The spec's `Dataset` object: a run's default dataset, or a created (perhaps named) one.
    func dataset(_ datasetID: String) async throws(APIError) -> Response {
        JSONResponse.data(try await datasetJSON(datasetID))
    }

    func datasetJSON(_ datasetID: String) async throws(APIError) -> JSONValue {
        guard let info = await state.datasetInfo(datasetID) else { throw .datasetNotFound }
        let metadata = await state.storageMetadata(.dataset, id: datasetID)
        let created = JSONValue.string(
            Timestamp.string(metadata?.createdAt ?? info.run?.startedAt ?? Self.accountCreatedAt))
        let modified = metadata.map { JSONValue.string(Timestamp.string($0.modifiedAt)) } ?? created
        let base = await baseURL()
        let cleanCount = info.items.count { !DatasetFormatter.clean($0).isEmptyObject }
        return .object([
            .init("id", .string(datasetID)),
            .init("name", .string(orNull: metadata?.name)),
            .init("userId", .string(info.run?.userId ?? EmulatedUser.id)),
            .init("createdAt", created),
            .init("modifiedAt", modified),
            .init("accessedAt", .string(Timestamp.string(Date()))),
            .init("itemCount", .int(info.items.count)),
            .init("cleanItemCount", .int(cleanCount)),
            .init("actId", .string(orNull: info.run?.actorId)),
            .init("actRunId", .string(orNull: info.run?.id)),
            .init("consoleUrl", .string("\(base)/storage/datasets/\(datasetID)")),
            .init("itemsPublicUrl", .string("\(base)/v2/datasets/\(datasetID)/items")),
            .init("generalAccess", "FOLLOW_USER_SETTING"),
        ])
    }
}
