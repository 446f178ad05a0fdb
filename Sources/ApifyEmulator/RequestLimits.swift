/// Limits the platform enforces on requests.
enum RequestLimits {
    /// 9 MiB: the Run Actor input limit (`request-too-large` above it).
    static let maxInputBytes = 9 * 1024 * 1024
    /// 5 MB: the payload limit of dataset Push items.
    static let maxPushBytes = 5 * 1024 * 1024
    /// `waitForFinish` is clamped to this many seconds, never rejected for being larger.
    static let maxWaitForFinishSecs = 60.0
    /// The default and the largest page of a list (runs).
    static let maxListLimit = 1000
}
