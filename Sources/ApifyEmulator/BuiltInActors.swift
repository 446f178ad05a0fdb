/// The actors every emulator knows, for demos and tests. End-to-end tests compare their output byte for byte, so
/// changing a step here changes a contract: update ApifyEmulator.docc/ACTORS.md and those tests with it.
enum BuiltInActors {
    static let all: [ActorDefinition] = [
        helloWorld, echo, fail, abort, sleep, noOutput, binary, redirect, items,
    ]

    /// Greets the input's `message`: OUTPUT is `{"greeting": "Hello, <message>!"}` and a newline.
    static let helloWorld = ActorDefinition(
        id: "apifyHelloWorld01",
        username: "apify",
        name: "hello-world",
        title: "Hello World",
        steps: [
            .log("Hello world actor started"),
            .sleep(.seconds(0.1)),
            .record(
                RecordStep(
                    key: "OUTPUT",
                    contentType: "application/json; charset=utf-8",
                    source: .template("{\"greeting\": \"Hello, {{input.message|world}}!\"}\n")
                )),
            .log("Stored the greeting in OUTPUT"),
            .finish(FinishStep(status: .succeeded, statusMessage: "Greeted {{input.message|world}}")),
        ]
    )

    /// OUTPUT is the INPUT record, same bytes and content type; no OUTPUT without input.
    static let echo = ActorDefinition(
        id: "emulatorEcho00001",
        username: "emulator",
        name: "echo",
        steps: [
            .log("Echoing the input to OUTPUT"),
            .record(RecordStep(key: "OUTPUT", source: .fromInput)),
        ]
    )

    static let fail = ActorDefinition(
        id: "emulatorFail00001",
        username: "emulator",
        name: "fail",
        steps: [
            .log("Something went wrong"),
            .finish(FinishStep(status: .failed, exitCode: 1, statusMessage: "Simulated failure")),
        ]
    )

    static let abort = ActorDefinition(
        id: "emulatorAbort0001",
        username: "emulator",
        name: "abort",
        steps: [
            .log("This run will be aborted"),
            .finish(FinishStep(status: .aborted, statusMessage: "Simulated abort")),
        ]
    )

    /// Sleeps the input's `seconds` (default 3600), then OUTPUT `{"slept": N}` and a newline. With `timeout=1` it
    /// ends TIMED-OUT.
    static let sleep = ActorDefinition(
        id: "emulatorSleep0001",
        username: "emulator",
        name: "sleep",
        steps: [
            .log("Sleeping for {{input.seconds|3600}} s"),
            .sleep(.template("{{input.seconds|3600}}")),
            .record(
                RecordStep(
                    key: "OUTPUT",
                    contentType: "application/json; charset=utf-8",
                    source: .template("{\"slept\": {{input.seconds|3600}}}\n")
                )),
        ]
    )

    static let noOutput = ActorDefinition(
        id: "emulatorNoOutput1",
        username: "emulator",
        name: "no-output",
        steps: [.log("Finishing without storing OUTPUT")]
    )

    /// Like most Store actors: pushes 3 items to its dataset, stores no OUTPUT, and has an Actor output object
    /// pointing at the items.
    static let items = ActorDefinition(
        id: "emulatorItems0001",
        username: "emulator",
        name: "items",
        steps: [
            .log("Pushing 3 items"),
            .pushItems([
                .object([.init("url", "https://example.com/1"), .init("title", "One")]),
                .object([.init("url", "https://example.com/2"), .init("title", "Two")]),
                .object([.init("url", "https://example.com/3"), .init("title", "Three")]),
            ]),
        ],
        output: .object([
            .init("results", "{{links.apiDefaultDatasetUrl}}/items"),
            .init("datasetId", "{{run.defaultDatasetId}}"),
        ])
    )

    /// OUTPUT is 65536 bytes where byte i is `i % 256`, streamed from a generator.
    static let binary = ActorDefinition(
        id: "emulatorBinary001",
        username: "emulator",
        name: "binary",
        steps: [
            .record(RecordStep(key: "OUTPUT", contentType: "application/octet-stream", source: .generatedBytes(65536)))
        ]
    )

    /// OUTPUT `{"redirected": true}` and a newline, served only through a 302 to a signed URL on `localhost`.
    static let redirect = ActorDefinition(
        id: "emulatorRedirect1",
        username: "emulator",
        name: "redirect",
        steps: [
            .record(
                RecordStep(
                    key: "OUTPUT",
                    contentType: "application/json",
                    source: .text("{\"redirected\": true}\n"),
                    redirect: true
                ))
        ]
    )
}
