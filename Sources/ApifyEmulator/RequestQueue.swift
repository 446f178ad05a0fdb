import Foundation

/// A request queue: requests by ID, deduplicated by `uniqueKey`, in the order the head hands them out.
struct RequestQueue: Sendable {
    /// Each request as the client sent it, with `id` and `uniqueKey` filled in.
    var requests: [String: JSONValue] = [:]
    var idsByUniqueKey: [String: String] = [:]
    /// Pending requests first to last: `forefront` puts a request at the front.
    var pendingOrder: [String] = []
    var handledCount = 0

    /// Adds a request unless one with its `uniqueKey` is there; what the API answers either way.
    mutating func add(_ request: [JSONValue.Member], uniqueKey: String, forefront: Bool) -> (
        id: String, wasAlreadyPresent: Bool, wasAlreadyHandled: Bool
    ) {
        if let id = idsByUniqueKey[uniqueKey] {
            let isHandled =
                requests[id]?.objectMembers?.contains { $0.key == "handledAt" && $0.value != .null } ?? false
            return (id, true, isHandled)
        }
        let id = PlatformID.random()
        var members = request.filter { $0.key != "id" && $0.key != "uniqueKey" }
        members.insert(.init("uniqueKey", .string(uniqueKey)), at: 0)
        members.insert(.init("id", .string(id)), at: 0)
        if !members.contains(where: { $0.key == "method" }) {
            members.append(.init("method", "GET"))
        }
        if !members.contains(where: { $0.key == "retryCount" }) {
            members.append(.init("retryCount", 0))
        }
        requests[id] = .object(members)
        idsByUniqueKey[uniqueKey] = id
        let isHandled = members.contains { $0.key == "handledAt" && $0.value != .null }
        if isHandled {
            handledCount += 1
        } else if forefront {
            pendingOrder.insert(id, at: 0)
        } else {
            pendingOrder.append(id)
        }
        return (id, false, isHandled)
    }
}
