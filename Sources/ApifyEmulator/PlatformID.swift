/// Makes IDs shaped like the platform's: 17 characters of `[A-Za-z0-9]`.
enum PlatformID {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// A fresh random ID (runs, stores, datasets).
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<17).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// The same ID for the same name on every start (user IDs from usernames, build IDs from actor and build), so
    /// that scripts can hard-code them.
    static func stable(for name: String) -> String {
        // FNV-1a, then a linear congruential walk to spread the hash over 17 characters.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        var characters: [Character] = []
        for _ in 0..<17 {
            hash = hash &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            characters.append(alphabet[Int((hash >> 33) % UInt64(alphabet.count))])
        }
        return String(characters)
    }
}
