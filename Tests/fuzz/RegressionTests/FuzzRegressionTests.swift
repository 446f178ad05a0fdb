import Foundation
import FuzzProperties
import Testing

/// Every committed fuzz input, the seed corpora and the inputs that once broke a property
/// (Tests/fuzz/regressions/<target>/), replayed through the same properties the fuzz targets check.
@Suite struct FuzzRegressionTests {
    /// One committed input and the target it belongs to.
    struct Input: Sendable, CustomTestStringConvertible {
        var target: FuzzTarget
        var url: URL

        var testDescription: String {
            "\(target.rawValue): \(url.deletingLastPathComponent().lastPathComponent)/\(url.lastPathComponent)"
        }
    }

    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    static let inputs: [Input] = FuzzTarget.allCases.flatMap { target in
        ["corpus", "regressions"].flatMap { kind in
            let directory = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
            return (FuzzTarget.inputFiles(at: directory) ?? []).map { Input(target: target, url: $0) }
        }
    }

    @Test func everyTargetHasASeedCorpus() {
        for target in FuzzTarget.allCases {
            #expect(Self.inputs.contains { $0.target == target }, "no committed inputs for \(target.rawValue)")
        }
    }

    @Test(arguments: inputs) func propertiesHold(for input: Input) throws {
        let bytes = try Data(contentsOf: input.url)
        #expect(throws: Never.self) { try input.target.check(Array(bytes)) }
    }
}
