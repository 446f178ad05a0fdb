import FoundationEssentials

/// The platform's run options, as the query of "Run actor" carries them. `nil` leaves the actor's default.
public struct RunOptions: Sendable, Equatable {
    /// A build tag (`latest`, `beta`) or number (`1.2.34`).
    public var build: String?
    /// Run timeout in seconds; `0` means no timeout, and is sent as `0`.
    public var timeoutSeconds: Int?
    /// Memory in MB, a power of 2 from 128 to 32768.
    public var memoryMegabytes: Int?
    public var maxItems: Int?
    /// Kept as the user wrote it, so that no binary rounding changes the cap.
    public var maxTotalChargeUsd: String?
    public var restartOnError: Bool
    /// The ad-hoc webhooks JSON array; sent base64-encoded, as the API wants.
    public var webhooksJSON: [UInt8]?

    public init(
        build: String? = nil,
        timeoutSeconds: Int? = nil,
        memoryMegabytes: Int? = nil,
        maxItems: Int? = nil,
        maxTotalChargeUsd: String? = nil,
        restartOnError: Bool = false,
        webhooksJSON: [UInt8]? = nil
    ) {
        self.build = build
        self.timeoutSeconds = timeoutSeconds
        self.memoryMegabytes = memoryMegabytes
        self.maxItems = maxItems
        self.maxTotalChargeUsd = maxTotalChargeUsd
        self.restartOnError = restartOnError
        self.webhooksJSON = webhooksJSON
    }

    /// The memory sizes the platform accepts.
    public static let allowedMemory = (7...15).map { 1 << $0 }

    public static func isAllowedMemory(_ megabytes: Int) -> Bool {
        allowedMemory.contains(megabytes)
    }

    /// Query items in a fixed order, so requests are reproducible.
    public var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let build { items.append(("build", build)) }
        if let timeoutSeconds { items.append(("timeout", String(timeoutSeconds))) }
        if let memoryMegabytes { items.append(("memory", String(memoryMegabytes))) }
        if let maxItems { items.append(("maxItems", String(maxItems))) }
        if let maxTotalChargeUsd { items.append(("maxTotalChargeUsd", maxTotalChargeUsd)) }
        if restartOnError { items.append(("restartOnError", "true")) }
        if let webhooksJSON { items.append(("webhooks", Data(webhooksJSON).base64EncodedString())) }
        return items
    }
}
