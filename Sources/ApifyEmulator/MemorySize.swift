/// The platform's rule for run memory, shared by request validation and actor definitions.
enum MemorySize {
    /// Powers of 2 from 128 MB to 32 GB, as `usage_and_resources.md` lists them.
    static func isValid(_ megabytes: Int) -> Bool {
        megabytes >= 128 && megabytes <= 32768 && megabytes & (megabytes - 1) == 0
    }
}
