import FuzzProperties

#if FUZZING
    /// libFuzzer's entry, compiled only by `make fuzz` (`-DFUZZING -sanitize=fuzzer,address`).
    @_cdecl("LLVMFuzzerTestOneInput")
    func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzTarget.flagValues.fuzz(data, size)
    }
#endif

/// `fuzz-flag-values`: libFuzzer under `make fuzz`; in the normal build, replays the input files (or directories of
/// them) given as arguments.
@main
enum FlagValuesFuzzer {
    static func main() {
        #if FUZZING
            runLibFuzzer(fuzzOneInput)
        #else
            FuzzTarget.flagValues.replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }
}
