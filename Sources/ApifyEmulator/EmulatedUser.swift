import Foundation

/// The one account of the emulator, as `GET /v2/users/me` reports it (`UserPrivateInfo` in the spec).
enum EmulatedUser {
    static let username = "emulator"
    /// The account's ID: the `userId` of every run, since every run is started with the account's token.
    static let id = PlatformID.stable(for: "user:\(username)")

    static func json(createdAt: Date) -> JSONValue {
        let feature: JSONValue = .object([
            .init("isEnabled", true),
            .init("disabledReason", .null),
            .init("disabledReasonType", .null),
            .init("isTrial", false),
            .init("trialExpirationAt", .null),
        ])
        let featureNames = [
            "ACTORS", "STORAGE", "SCHEDULER", "PROXY", "PROXY_EXTERNAL_ACCESS", "PROXY_RESIDENTIAL", "PROXY_SERPS",
            "WEBHOOKS", "ACTORS_PUBLIC_ALL", "ACTORS_PUBLIC_DEVELOPER",
        ]
        return .object([
            .init("id", .string(id)),
            .init("username", .string(username)),
            .init("profile", .object([.init("name", "Apify Emulator")])),
            .init("email", "emulator@example.com"),
            .init("proxy", .object([.init("password", "emulator"), .init("groups", .array([]))])),
            .init(
                "plan",
                .object([
                    .init("id", "EMULATOR"),
                    .init("isEnabled", true),
                    .init("maxActorMemoryGbytes", .double(32)),
                    .init("availableProxyGroups", .object([])),
                ])),
            .init("effectivePlatformFeatures", .object(featureNames.map { .init($0, feature) })),
            .init("createdAt", .string(Timestamp.string(createdAt))),
            .init("isPaying", false),
        ])
    }
}
