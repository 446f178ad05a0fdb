import Foundation
import HTTPTypes
import Hummingbird

/// Storage collections (list, get-or-create by name, delete), key-value store writes and key listing, dataset push
/// and statistics.
extension EmulatorAPI {
    /// The storage a path names (an ID, `username~name` or `~name`), or 404 in the API's words.
    func existingStorage(_ kind: StorageKind, _ reference: String, request: APIRequest) async throws(APIError)
        -> String
    {
        if reference.contains("~") || reference.contains("/") {
            try requireToken(request)
        } else {
            try authenticate(request)
        }
        guard let id = await state.storageID(kind, for: reference) else { throw kind.notFound }
        return id
    }

    func storageJSON(_ kind: StorageKind, id: String) async throws(APIError) -> JSONValue {
        switch kind {
        case .keyValueStore: try await storeJSON(id)
        case .dataset: try await datasetJSON(id)
        case .requestQueue: try await queueJSON(id)
        }
    }

    /// `GET /v2/{kind}`: named storages, oldest first; `unnamed=true` adds the unnamed ones (runs' defaults too).
    func listStorages(_ kind: StorageKind, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        let query = RunQuery(request.query)
        let offset = max(0, try query.integer("offset") ?? 0)
        let limit = try query.listLimit()
        let desc = try query.boolean("desc") ?? false
        let unnamed = try query.boolean("unnamed") ?? false
        if let ownership = query["ownership"], ownership != "ownedByMe", ownership != "sharedWithMe" {
            throw .invalidInput(
                "Invalid value of \"ownership\" parameter: \"\(ownership)\" is not ownedByMe or sharedWithMe.")
        }
        // Nothing is shared with the emulator's one account.
        let isShared = query["ownership"] == "sharedWithMe"
        var all = await state.storages(kind).filter { !isShared && (unnamed || $0.metadata.name != nil) }
        if desc { all.reverse() }
        var items: [JSONValue] = []
        for entry in all.dropFirst(offset).prefix(limit) {
            items.append(try await storageJSON(kind, id: entry.id))
        }
        return JSONResponse.page(items, total: all.count, offset: offset, limit: limit, desc: desc)
    }

    /// `POST /v2/{kind}?name=`: the named storage if it exists (200), else a new one (201, with `Location`).
    func createStorage(_ kind: StorageKind, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let name = RunQuery(request.query)["name"]
        if let name, !Self.isValidStorageName(name) {
            throw APIError(
                status: .badRequest, type: "invalid-value",
                message: "Storage name \"\(name)\" is not valid: use 1 to 63 letters, digits and hyphens (a-z, "
                    + "A-Z, 0-9, -), not starting or ending with a hyphen.")
        }
        let (id, isNew) = await state.storage(kind, getOrCreateNamed: name)
        let location = "\(await baseURL())/v2/\(kind.rawValue)/\(id)"
        return JSONResponse.data(
            try await storageJSON(kind, id: id), status: isNew ? .created : .ok, headers: [.location: location])
    }

    /// The platform's rule for storage names.
    static func isValidStorageName(_ name: String) -> Bool {
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
        }
        return allowed && (1...63).contains(name.count) && !name.hasPrefix("-") && !name.hasSuffix("-")
    }

    func deleteStorage(_ kind: StorageKind, _ reference: String, request: APIRequest) async throws(APIError)
        -> Response
    {
        try requireWriteAccess(request)
        let id = try await existingStorage(kind, reference, request: request)
        await state.deleteStorage(kind, id: id)
        return Response(status: .noContent)
    }

    // MARK: Key-value store records and keys

    /// `PUT` (or `POST`) a record: the body with its `Content-Type`; JSON must parse. 201 with `Location`.
    func putRecord(_ storeReference: String, key: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let storeID = try await existingStorage(.keyValueStore, storeReference, request: request)
        try Self.validateRecordKey(key)
        if request.isBodyTooLarge {
            throw APIError(
                status: .contentTooLarge, type: "record-too-large",
                message: "The record is too large (limit: \(RequestLimits.maxInputBytes) bytes).")
        }
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        if Self.isJSON(contentType), (try? JSONValue.parse(request.body)) == nil {
            throw .invalidInput("The record's value is not valid JSON, but its Content-Type is \(contentType).")
        }
        let record = StoredRecord(contentType: contentType, body: .bytes(request.body))
        guard await state.writeRecord(storeID: storeID, key: key, record: record) else { throw .storeNotFound }
        return JSONResponse.make(
            status: .created, body: .object([]), headers: [.location: try await recordURL(storeID, key)])
    }

    func deleteRecord(_ storeReference: String, key: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let storeID = try await existingStorage(.keyValueStore, storeReference, request: request)
        if let error = await state.deleteRecord(storeID: storeID, key: key) { throw error }
        return Response(status: .noContent)
    }

    /// Keys after `exclusiveStartKey` (by key), at most `limit` (default and maximum 1000), optionally with `prefix`.
    func listKeys(_ storeReference: String, request: APIRequest) async throws(APIError) -> Response {
        let storeID = try await existingStorage(.keyValueStore, storeReference, request: request)
        let query = RunQuery(request.query)
        let limit = try query.integer("limit") ?? 1000
        guard limit >= 1 else {
            throw .invalidInput("Invalid value of \"limit\" parameter: \(limit). It must be 1 or more.")
        }
        let cappedLimit = min(limit, 1000)
        let start = query["exclusiveStartKey"]
        let prefix = query["prefix"] ?? ""
        let keys = (await state.keys(storeID: storeID) ?? []).filter { entry in
            entry.key.hasPrefix(prefix) && (start.map { entry.key > $0 } ?? true)
        }
        let page = keys.prefix(cappedLimit)
        var items: [JSONValue] = []
        for entry in page {
            items.append(
                .object([
                    .init("key", .string(entry.key)),
                    .init("size", .int(entry.size)),
                    .init("recordPublicUrl", .string(try await recordURL(storeID, entry.key))),
                ]))
        }
        let isTruncated = keys.count > page.count
        return JSONResponse.data(
            .object([
                .init("items", .array(items)),
                .init("count", .int(items.count)),
                .init("limit", .int(cappedLimit)),
                .init("exclusiveStartKey", .string(orNull: start)),
                .init("isTruncated", .bool(isTruncated)),
                .init("nextExclusiveStartKey", .string(orNull: isTruncated ? page.last?.key : nil)),
            ]))
    }

    private func recordURL(_ storeID: String, _ key: String) async throws(APIError) -> String {
        let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
        return "\(await baseURL())/v2/key-value-stores/\(storeID)/records/\(encoded)"
    }

    /// The platform's key rule: 1 to 256 of `a-zA-Z0-9!-_.'()`.
    static func validateRecordKey(_ key: String) throws(APIError) {
        let allowed = key.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "!-_.'()".unicodeScalars.contains($0))
        }
        guard allowed, (1...256).contains(key.count) else {
            throw APIError(
                status: .badRequest, type: "invalid-record-key",
                message: "The record key \"\(key)\" is not valid: use 1 to 256 of a-z, A-Z, 0-9 and !-_.'().")
        }
    }

    // MARK: Dataset push and statistics

    /// `POST items`: one JSON object or an array of objects, appended in order. 201 with an empty object.
    func pushItems(_ datasetReference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        let datasetID = try await existingStorage(.dataset, datasetReference, request: request)
        if request.isBodyTooLarge || request.body.count > RequestLimits.maxPushBytes {
            throw APIError(
                status: .contentTooLarge, type: "request-too-large",
                message: "The POST payload is too large (limit: \(RequestLimits.maxPushBytes) bytes)")
        }
        guard let body = try? JSONValue.parse(request.body) else {
            throw .invalidInput("The request body is not valid JSON.")
        }
        let items: [JSONValue]
        switch body {
        case .object: items = [body]
        case .array(let elements): items = elements
        default: throw .invalidInput("The request body must be a JSON object or an array of objects.")
        }
        if let position = items.firstIndex(where: { $0.objectMembers == nil }) {
            throw .invalidInput("Item at position \(position) is not a JSON object.")
        }
        guard await state.appendItems(datasetID: datasetID, items: items) else { throw .datasetNotFound }
        return JSONResponse.make(
            status: .created, body: .object([]),
            headers: [.location: "\(await baseURL())/v2/datasets/\(datasetID)/items"])
    }

    /// Per top-level field: `nullCount`, `emptyCount` (`""`, `[]`, `{}` or missing), and `min`/`max` of numbers.
    func datasetStatistics(_ datasetReference: String, request: APIRequest) async throws(APIError) -> Response {
        let datasetID = try await existingStorage(.dataset, datasetReference, request: request)
        let items = await state.datasetItems(datasetID: datasetID) ?? []
        var fieldNames: [String] = []
        for item in items {
            for member in item.objectMembers ?? [] where !fieldNames.contains(member.key) {
                fieldNames.append(member.key)
            }
        }
        let statistics: [JSONValue.Member] = fieldNames.map { name in
            var nullCount = 0
            var emptyCount = 0
            var numbers: [Double] = []
            for item in items {
                switch item.objectMembers?.first(where: { $0.key == name })?.value {
                case nil: emptyCount += 1
                case .null: nullCount += 1
                case .string(""), .array([]), .object([]): emptyCount += 1
                case .int(let value): numbers.append(Double(value))
                case .double(let value): numbers.append(value)
                default: break
                }
            }
            return .init(
                name,
                .object([
                    .init("min", numbers.min().map(JSONValue.double) ?? .null),
                    .init("max", numbers.max().map(JSONValue.double) ?? .null),
                    .init("nullCount", .int(nullCount)),
                    .init("emptyCount", .int(emptyCount)),
                ]))
        }
        return JSONResponse.data(.object([.init("fieldStatistics", .object(statistics))]))
    }
}
