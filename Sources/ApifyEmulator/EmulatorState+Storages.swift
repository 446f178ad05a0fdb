import Foundation

/// Storages beyond a run's defaults: named ones (get-or-create, get by `username~name`, list, delete), and writes
/// to any store or dataset (records, keys, items).
extension EmulatorState {
    /// Whether a storage with this ID exists.
    func storageExists(_ kind: StorageKind, id: String) -> Bool {
        switch kind {
        case .keyValueStore: stores[id] != nil
        case .dataset: datasets[id] != nil
        case .requestQueue: queues[id] != nil
        }
    }

    /// Resolves an ID, `username~name`, `~name` or `username/name` to a storage ID; nil if there is none. Names
    /// belong to the emulator's one account; another username finds nothing.
    func storageID(_ kind: StorageKind, for reference: String) -> String? {
        if storageExists(kind, id: reference) { return reference }
        let separator: Character = reference.contains("~") ? "~" : "/"
        let parts = reference.split(separator: separator, maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].isEmpty || parts[0].lowercased() == EmulatedUser.username else {
            return nil
        }
        return namedStorage(kind, name: String(parts[1]))
    }

    func namedStorage(_ kind: StorageKind, name: String) -> String? {
        storageMetadata.first { $0.value.kind == kind && $0.value.name == name }?.key
    }

    /// The named storage, or a new one (unnamed when `name` is nil); `isNew` tells which, for 201 against 200.
    func storage(_ kind: StorageKind, getOrCreateNamed name: String?) -> (id: String, isNew: Bool) {
        if let name, let id = namedStorage(kind, name: name) { return (id, false) }
        let id = PlatformID.random()
        let now = Date()
        storageMetadata[id] = StorageMetadata(kind: kind, name: name, createdAt: now, modifiedAt: now)
        switch kind {
        case .keyValueStore: stores[id] = [:]
        case .dataset: datasets[id] = []
        case .requestQueue: queues[id] = RequestQueue()
        }
        return (id, true)
    }

    func deleteStorage(_ kind: StorageKind, id: String) {
        storageMetadata[id] = nil
        switch kind {
        case .keyValueStore: stores[id] = nil
        case .dataset: datasets[id] = nil
        case .requestQueue: queues[id] = nil
        }
    }

    /// Every storage of a kind, oldest first: its ID, metadata (made up from the run for a run's default) and run.
    func storages(_ kind: StorageKind) -> [(id: String, metadata: StorageMetadata, run: ActorRun?)] {
        let ids: [String] =
            switch kind {
            case .keyValueStore: Array(stores.keys)
            case .dataset: Array(datasets.keys)
            case .requestQueue: Array(queues.keys)
            }
        return ids.map { id in
            let run = owningRun(kind, id: id)
            let metadata =
                storageMetadata[id]
                ?? StorageMetadata(
                    kind: kind, name: nil, createdAt: run?.startedAt ?? Date(), modifiedAt: run?.startedAt ?? Date())
            return (id, metadata, run)
        }
        .sorted { ($0.metadata.createdAt, $0.id) < ($1.metadata.createdAt, $1.id) }
    }

    func storageMetadata(_ kind: StorageKind, id: String) -> StorageMetadata? {
        storageMetadata[id]
    }

    /// The run whose default storage this is.
    func owningRun(_ kind: StorageKind, id: String) -> ActorRun? {
        runs.owner(ofStorage: id).flatMap { run in
            let matches =
                switch kind {
                case .keyValueStore: run.defaultKeyValueStoreId == id
                case .dataset: run.defaultDatasetId == id
                case .requestQueue: run.defaultRequestQueueId == id
                }
            return matches ? run : nil
        }
    }

    private func touch(_ id: String) {
        storageMetadata[id]?.modifiedAt = Date()
    }

    // MARK: Records and items

    /// Stores a record in an existing store; false when the store is unknown.
    func writeRecord(storeID: String, key: String, record: StoredRecord) -> Bool {
        guard stores[storeID] != nil else { return false }
        stores[storeID]?[key] = record
        touch(storeID)
        return true
    }

    /// Deletes a record; the error says whether the store or the key was missing.
    func deleteRecord(storeID: String, key: String) -> APIError? {
        guard let store = stores[storeID] else { return .storeNotFound }
        guard store[key] != nil else { return .recordNotFound }
        stores[storeID]?[key] = nil
        touch(storeID)
        return nil
    }

    /// A store's keys with their sizes, in the platform's order (by key).
    func keys(storeID: String) -> [(key: String, size: Int)]? {
        stores[storeID].map { store in store.map { ($0.key, $0.value.size) }.sorted { $0.key < $1.key } }
    }

    /// Appends items to an existing dataset; false when it is unknown.
    func appendItems(datasetID: String, items: [JSONValue]) -> Bool {
        guard datasets[datasetID] != nil else { return false }
        datasets[datasetID]?.append(contentsOf: items)
        touch(datasetID)
        return true
    }
}
