import Foundation

/// A property that an input broke: what was expected and what happened instead, for the crash report.
public struct PropertyViolation: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The fuzz targets, by the name of their executable (`fuzz-<name>`), corpus and regression directories.
public enum FuzzTarget: String, Sendable, CaseIterable {
    case runObject = "run-object"
    case jsonChecker = "json-checker"
    case flagValues = "flag-values"

    /// Checks the target's properties on one input: returns when they hold, throws when one is broken. A crash
    /// inside the code under test is a failure too, found by libFuzzer and AddressSanitizer rather than here.
    public func check(_ bytes: [UInt8]) throws(PropertyViolation) {
        switch self {
        case .runObject: try RunObjectProperty.check(bytes)
        case .jsonChecker: try JSONCheckerProperty.check(bytes)
        case .flagValues: try FlagValuesProperty.check(bytes)
        }
    }

    /// libFuzzer's `LLVMFuzzerTestOneInput`: a broken property is a crash, which libFuzzer saves as `crash-…`.
    public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try check(bytes)
        } catch {
            fatalError("fuzz-\(rawValue): \(error)")
        }
        return 0
    }

    /// The normal build's entry: checks each file named, and each file in each directory named; exits 1 on the
    /// first broken property, 2 when a path cannot be read.
    public func replay(_ paths: [String]) -> Never {
        if paths.isEmpty {
            print("usage: fuzz-\(rawValue) FILE|DIR... (built without FUZZING, this replays inputs; see Tests/fuzz)")
            exit(2)
        }
        var count = 0
        for path in paths {
            guard let files = Self.inputFiles(at: URL(fileURLWithPath: path)) else {
                print("fuzz-\(rawValue): cannot read \(path)")
                exit(2)
            }
            for file in files {
                guard let data = try? Data(contentsOf: file) else {
                    print("fuzz-\(rawValue): cannot read \(file.path)")
                    exit(2)
                }
                do {
                    try check(Array(data))
                } catch {
                    print("fuzz-\(rawValue): \(file.path): \(error)")
                    exit(1)
                }
                count += 1
            }
        }
        print("fuzz-\(rawValue): \(count) inputs, every property held")
        exit(0)
    }

    /// The regular files at `url`, or in it (not recursively, sorted, dot files and notes skipped) when it is a
    /// directory; `nil` when it does not exist.
    public static func inputFiles(at url: URL) -> [URL]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return [url] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return nil }
        return names.sorted()
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") && !$0.hasSuffix(".disabled") }
            .map { url.appendingPathComponent($0) }
    }
}

#if FUZZING
    /// libFuzzer's driver, for executables whose `main` is their own: SwiftPM links an executable's `main` to the
    /// module's entry point, which wins over the `main` in libFuzzer's archive. Declared here, as libFuzzer ships no
    /// module for it; `make fuzz` enables the `Extern` feature this needs.
    @_extern(c, "LLVMFuzzerRunDriver")
    private func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// Runs libFuzzer on `testOneInput` with the process's arguments (`-max_total_time=60 CORPUS…`), then exits.
    public func runLibFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv, testOneInput))
    }
#endif
