import ApifyClient
import ArgumentParser
import FoundationEssentials

/// Where the input comes from and how it is sent.
struct InputFlags: ParsableArguments {
    @Option(
        name: [.customShort("i"), .customLong("input")],
        parsing: .singleValue,
        help: ArgumentHelp(
            "Input: inline JSON, @PATH for a file, - for stdin.",
            valueName: "json|@path|-"))
    var inputs: [String] = []

    /// The one `--input` given, if any (a second is refused: the last must not silently win).
    var input: String? { inputs.first }

    @Option(
        name: [.customShort("f"), .customLong("input-file")],
        help: ArgumentHelp(
            "Read the input from a file (- = stdin).",
            valueName: "path"))
    var inputFile: String?

    @Option(
        name: .customLong("content-type"),
        help: ArgumentHelp("Media type of the input; non-JSON input is sent as bytes, unchecked.", valueName: "type"))
    var contentType = "application/json"

    @Flag(name: .customLong("no-input"), help: "Send no input and do not look at stdin.")
    var noInput = false

    func validate() throws {
        if inputs.count > 1 {
            throw ValidationError("--input was given \(inputs.count) times; give the input once")
        }
        if input != nil && inputFile != nil {
            throw ValidationError("--input and --input-file both give the input; use one")
        }
        if noInput && (input != nil || inputFile != nil) {
            throw ValidationError("--no-input cannot be combined with --input or --input-file")
        }
        let parts = contentType.split(separator: ";")[...].first?.split(separator: "/") ?? []
        let isPrintable = contentType.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        guard parts.count == 2, parts.allSatisfy({ !$0.trimmingWhitespace().isEmpty }), isPrintable
        else {
            throw ValidationError("--content-type must be a media type like application/json, got '\(contentType)'")
        }
    }

    /// The input, read and checked before anything is sent.
    func read(reporter: Reporter) throws(CommandFailure) -> RunInput? {
        try InputReader(contentType: contentType, reporter: reporter).read(source)
    }

    var source: InputSource {
        if noInput { return .none }
        if let input { return InputSource(inputFlag: input) }
        if let inputFile { return inputFile == "-" ? .standardInput : .file(inputFile) }
        return .implicitStandardInput
    }
}
