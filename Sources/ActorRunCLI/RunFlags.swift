import ApifyClient
import ArgumentParser
import FoundationEssentials

/// Run options: sent to the platform in the query of "Run actor".
struct RunFlags: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Build to run: a tag (latest, beta) or a number (1.2.34).",
            valueName: "tag|number"))
    var build: String?

    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Run timeout on the platform, in seconds; 0 means none.",
            valueName: "seconds"))
    var timeout: Int?

    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Memory in MB: a power of 2 from 128 to 32768.",
            valueName: "mb"))
    var memory: Int?

    @Option(
        name: .customLong("max-items"),
        help: ArgumentHelp(
            "Cap on charged items (pay-per-result actors).",
            valueName: "n"))
    var maxItems: Int?

    @Option(
        name: .customLong("max-total-charge-usd"),
        help: ArgumentHelp("Cap on the run's cost in USD (pay-per-event actors).", valueName: "usd"))
    var maxTotalChargeUsd: String?

    @Flag(name: .customLong("restart-on-error"), help: "Restart the run if it fails.")
    var restartOnError = false

    @Option(help: ArgumentHelp("Ad-hoc webhooks: a JSON array, or @FILE.", valueName: "json|@file"))
    var webhooks: String?

    func validate() throws {
        if let memory, !RunOptions.isAllowedMemory(memory) {
            throw ValidationError("--memory must be a power of 2 from 128 to 32768 (MB), got \(memory)")
        }
        if let timeout, timeout < 0 {
            throw ValidationError("--timeout must be 0 (no timeout) or a number of seconds, got \(timeout)")
        }
        if let maxItems, maxItems <= 0 {
            throw ValidationError("--max-items must be greater than 0, got \(maxItems)")
        }
        if let build, build.isEmpty || !build.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
            throw ValidationError("--build must be a tag (latest, beta) or a number (1.2.34), got '\(build)'")
        }
        if let maxTotalChargeUsd, !(Double(maxTotalChargeUsd).map { $0.isFinite && $0 > 0 } ?? false) {
            throw ValidationError("--max-total-charge-usd must be an amount greater than 0, got '\(maxTotalChargeUsd)'")
        }
    }

    func options() throws(CommandFailure) -> RunOptions {
        var webhooksJSON: [UInt8]?
        if let webhooks {
            let source = InputSource(inputFlag: webhooks)
            let reader = InputReader(
                contentType: "application/json", reporter: Reporter(isQuiet: true), flag: "--webhooks")
            let bytes = try reader.read(source == .standardInput ? .inline(webhooks) : source)?.bytes ?? []
            guard bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "[") else {
                throw CommandFailure(
                    status: .usage, message: "--webhooks must be a JSON array of webhooks (see the API's docs)")
            }
            webhooksJSON = bytes
        }
        return RunOptions(
            build: build,
            timeoutSeconds: timeout,
            memoryMegabytes: memory,
            maxItems: maxItems,
            maxTotalChargeUsd: maxTotalChargeUsd,
            restartOnError: restartOnError,
            webhooksJSON: webhooksJSON
        )
    }
}
