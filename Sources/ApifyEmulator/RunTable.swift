/// Every run the emulator has made, by ID, with the two look-ups the hot paths need kept as indexes: the runs
/// still going (every start checks the memory and concurrent-runs limits against them) and the run that owns a
/// default storage (every record or item read names its run's storage). Without them each of those was a pass
/// over every run since the emulator started, copying each one: a batch of a few thousand runs slowed every
/// start and every read in proportion.
struct RunTable {
    private var byID: [String: ActorRun] = [:]
    /// Runs not in a terminal status.
    private(set) var goingIDs: Set<String> = []
    /// Default key-value store, dataset and request queue IDs (never shared, never changed) to their run.
    private var ownerIDs: [String: String] = [:]

    subscript(id: String) -> ActorRun? {
        get { byID[id] }
        set {
            if newValue == nil, let old = byID[id] {
                for storage in old.defaultStorageIDs { ownerIDs[storage] = nil }
            }
            byID[id] = newValue
            guard let run = newValue else {
                goingIDs.remove(id)
                return
            }
            for storage in run.defaultStorageIDs { ownerIDs[storage] = id }
            if run.status.isTerminal { goingIDs.remove(id) } else { goingIDs.insert(id) }
        }
    }

    var values: Dictionary<String, ActorRun>.Values { byID.values }

    /// The runs not in a terminal status.
    var going: [ActorRun] { goingIDs.compactMap { byID[$0] } }

    /// The run with this default storage.
    func owner(ofStorage id: String) -> ActorRun? {
        ownerIDs[id].flatMap { byID[$0] }
    }
}

extension ActorRun {
    fileprivate var defaultStorageIDs: [String] {
        [defaultKeyValueStoreId, defaultDatasetId, defaultRequestQueueId]
    }
}
