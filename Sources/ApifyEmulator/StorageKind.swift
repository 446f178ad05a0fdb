import Foundation

/// The three storage types, for the endpoints they share (list, get-or-create, get by name, delete).
enum StorageKind: String, Sendable, Equatable, CaseIterable {
    case keyValueStore = "key-value-stores"
    case dataset = "datasets"
    case requestQueue = "request-queues"

    /// For messages: "Key-value store was not found".
    var title: String {
        switch self {
        case .keyValueStore: "Key-value store"
        case .dataset: "Dataset"
        case .requestQueue: "Request queue"
        }
    }

    var notFound: APIError {
        APIError(status: .notFound, type: "record-not-found", message: "\(title) was not found")
    }
}

/// A storage's own facts where no run supplies them: its name (nil when unnamed) and its dates.
struct StorageMetadata: Sendable, Equatable {
    var kind: StorageKind
    var name: String?
    var createdAt: Date
    var modifiedAt: Date
}
