// swift-tools-version:6.2
import PackageDescription

// Layers, each importable and testable alone:
//   CCurl (the C module) → CurlHTTP (HTTP over libcurl, nothing of Apify)
//   → ApifyClient (the API, nothing of the terminal) → ActorRunCLI (flags, stderr, exit codes)
// The emulator (ApifyEmulator, on Hummingbird/NIO) is a separate product: `actor-run` never links it.
let package = Package(
    name: "actor-run",
    products: [
        .executable(name: "actor-run", targets: ["actor-run"]),
        .executable(name: "apify-emulator", targets: ["apify-emulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // libcurl's headers (libcurl4-openssl-dev) and typed wrappers; the library itself is loaded at first use.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CurlHTTP", dependencies: ["CCurl"]),
        .target(name: "ApifyClient", dependencies: ["CurlHTTP"]),
        .target(
            name: "ActorRunCLI",
            dependencies: [
                "ApifyClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Runs before main: repairs closed standard descriptors, keeps the token out of core dumps.
        .target(name: "CProcessSetup", dependencies: ["CCurl"]),
        .executableTarget(name: "actor-run", dependencies: ["ActorRunCLI", "CProcessSetup"]),
        .target(
            name: "ApifyEmulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .executableTarget(
            name: "apify-emulator",
            dependencies: [
                "ApifyEmulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // One way to run an emulator in a test, shared by every suite that needs a server.
        .target(name: "EmulatorTestSupport", dependencies: ["ApifyEmulator"], path: "Tests/EmulatorTestSupport"),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "ApifyEmulator", "EmulatorTestSupport"]),
        .testTarget(name: "ApifyClientTests", dependencies: ["ApifyClient"]),
        .testTarget(name: "ActorRunCLITests", dependencies: ["ActorRunCLI"]),
        .testTarget(name: "ApifyEmulatorTests", dependencies: ["ApifyEmulator", "EmulatorTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["ApifyEmulator", "EmulatorTestSupport"]),
        // Fuzzing (Tests/fuzz/README.md): the properties, one executable per target (libFuzzer under `make fuzz`,
        // a replayer of input files otherwise), and the test that replays every committed input.
        .target(name: "FuzzProperties", dependencies: ["ApifyClient", "ActorRunCLI"], path: "Tests/fuzz/Properties"),
        .executableTarget(
            name: "fuzz-run-object", dependencies: ["FuzzProperties"], path: "Tests/fuzz/Entries/RunObject"),
        .executableTarget(
            name: "fuzz-json-checker", dependencies: ["FuzzProperties"], path: "Tests/fuzz/Entries/JSONChecker"),
        .executableTarget(
            name: "fuzz-flag-values", dependencies: ["FuzzProperties"], path: "Tests/fuzz/Entries/FlagValues"),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzProperties"], path: "Tests/fuzz/RegressionTests"),
    ]
)
