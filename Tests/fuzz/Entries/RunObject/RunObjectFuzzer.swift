import FuzzProperties

#if FUZZING
    /// libFuzzer's entry, compiled only by `make fuzz` (`-DFUZZING -sanitize=fuzzer,address`).
    @_cdecl("LLVMFuzzerTestOneInput")
    func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzTarget.runObject.fuzz(data, size)
    }
#endif

/// `fuzz-run-object`: libFuzzer under `make fuzz`; in the normal build, replays the input files (or directories of
/// them) given as arguments.
@main
enum RunObjectFuzzer {
    static func main() {
        #if FUZZING
            runLibFuzzer(fuzzOneInput)
        #else
            FuzzTarget.runObject.replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }
}
