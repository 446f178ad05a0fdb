import ApifyClient
import ArgumentParser
import FoundationEssentials

/// Run options: sent to the platform in the query of "Run actor".
struct RunFlags: ParsableArguments {
    @Option(
        name: [.short, .long],
        parsing: .unconditional,
        help: ArgumentHelp("Build to run: a tag (latest, beta) or a number (1.2.34).", valueName: "tag|number"),
        transform: BuildTag.init(flag:))
    var build: BuildTag?

    @Option(
        name: [.short, .long],
        parsing: .unconditional,
        help: ArgumentHelp("Run timeout on the platform, in seconds; 0 means none.", valueName: "seconds"),
        transform: WholeNumber.timeout)
    var timeout: Int?

    @Option(
        name: [.short, .long],
        parsing: .unconditional,
        help: ArgumentHelp("Memory in MB: a power of 2 from 128 to 32768.", valueName: "mb"),
        transform: Megabytes.init(flag:))
    var memory: Megabytes?

    @Option(
        name: .customLong("max-items"),
        parsing: .unconditional,
        help: ArgumentHelp("Cap on charged items (pay-per-result actors).", valueName: "n"),
        transform: WholeNumber.maxItems)
    var maxItems: Int?

    @Option(
        name: .customLong("max-total-charge-usd"),
        parsing: .unconditional,
        help: ArgumentHelp("Cap on the run's cost in USD (pay-per-event actors).", valueName: "usd"),
        transform: RunFlags.amount)
    var maxTotalChargeUsd: String?

    @Flag(name: .customLong("restart-on-error"), help: "Restart the run if it fails.")
    var restartOnError = false

    @Option(help: ArgumentHelp("Ad-hoc webhooks: a JSON array, or @FILE.", valueName: "json|@file"))
    var webhooks: String?

    /// `--max-total-charge-usd`: kept as typed (the API takes the decimal text), once it reads as an amount.
    static func amount(_ text: String) throws(FlagValueError) -> String {
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw FlagValueError("use an amount in USD greater than 0, e.g. 2.50")
        }
        return text
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
            build: build?.value,
            timeoutSeconds: timeout,
            memoryMegabytes: memory?.value,
            maxItems: maxItems,
            maxTotalChargeUsd: maxTotalChargeUsd,
            restartOnError: restartOnError,
            webhooksJSON: webhooksJSON
        )
    }
}
