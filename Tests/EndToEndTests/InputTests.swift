import ApifyEmulator
import Foundation
import Testing

/// Every way of giving input reaches the server as the exact bytes with the right content type; `emulator/echo`
/// stores its input back as OUTPUT, so stdout shows what the actor received.
@Suite struct InputTests {
    static let json = "{\n  \"message\": \"Grace\",\n  \"n\": [1, 2, 3]\n}\n"

    private func checkEcho(
        _ arguments: [String], stdin: StandardInput = .devNull, expected: String,
        contentType: String = "application/json", in directory: URL? = nil
    ) async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["emulator/echo"] + arguments, emulator: server, stdin: stdin,
                workingDirectory: directory)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == expected)
            let runID = try Harness.runID(in: result)
            let input = try await Harness.fetch(
                "\(server.baseURL)/v2/actor-runs/\(runID)/key-value-store/records/INPUT")
            #expect(input.status == 200)
            #expect(input.body == Array(expected.utf8))
            #expect(input.contentType?.hasPrefix(contentType) == true)
            let post = try #require(await server.recordedRequests().first)
            #expect(post.header("Content-Type") == contentType)
            #expect(post.bodyLength == expected.utf8.count)
        }
    }

    private func temporaryFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("input-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func inlineInput() async throws {
        try await checkEcho(["-i", Self.json], expected: Self.json)
    }

    @Test func inputAtFile() async throws {
        let file = try temporaryFile(Self.json)
        defer { try? FileManager.default.removeItem(at: file) }
        try await checkEcho(["-i", "@\(file.path)"], expected: Self.json)
    }

    @Test func inputFileFlag() async throws {
        let file = try temporaryFile(Self.json)
        defer { try? FileManager.default.removeItem(at: file) }
        try await checkEcho(["-f", file.path], expected: Self.json)
    }

    @Test func pipedStandardInput() async throws {
        try await checkEcho([], stdin: .bytes(Array(Self.json.utf8)), expected: Self.json)
    }

    @Test func explicitStandardInput() async throws {
        try await checkEcho(["-i", "-"], stdin: .bytes(Array(Self.json.utf8)), expected: Self.json)
    }

    @Test func plainTextIsSentUnchecked() async throws {
        try await checkEcho(
            ["--content-type", "text/plain", "-i", "not { json"], expected: "not { json",
            contentType: "text/plain")
    }

    @Test func invalidJSONSendsNothing() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world"], emulator: server,
                stdin: .bytes(Array("{\n  \"a\": 1,\n}".utf8)))
            #expect(result.status == 65)
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderrLines == [
                    "actor-run: invalid JSON in stdin at line 3, column 1: unexpected '}', expected a string key"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func byteOrderMarkIsDroppedFromJSON() async throws {
        try await checkEcho([], stdin: .bytes([0xEF, 0xBB, 0xBF] + Array(Self.json.utf8)), expected: Self.json)
    }

    @Test func invalidUTF8InJSONSendsNothing() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["emulator/echo"], emulator: server, stdin: .bytes(Array(#"{"a": ""#.utf8) + [0xFF, 0x22, 0x7D]))
            #expect(result.status == 65)
            #expect(
                result.stderrLines == [
                    "actor-run: invalid JSON in stdin at line 1, column 8: invalid UTF-8 in a string (JSON must be UTF-8)"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func tooLargeInputSendsNothing() async throws {
        try await Harness.withEmulator { server in
            let big = "\"" + String(repeating: "x", count: 9 * 1024 * 1024) + "\""
            let result = try await Harness.run(["apify/hello-world"], emulator: server, stdin: .bytes(Array(big.utf8)))
            #expect(result.status == 65)
            #expect(
                result.stderrLines == [
                    "actor-run: the input in stdin is more than 9437184 bytes; the API accepts at most 9 MiB (9437184 bytes)"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    /// `-i input.json` is the text "input.json"; the message says how to read the file, as curl's `@` does.
    @Test func aFileNameGivenAsInlineInputGetsAHint() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["apify/hello-world", "-i", "input.json"], emulator: server)
            #expect(result.status == 65)
            #expect(
                result.stderrLines == [
                    "actor-run: invalid JSON in --input at line 1, column 1: unexpected 'i', expected a value; to read"
                        + " the file input.json, write --input @input.json"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func badMemorySendsNothing() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(["apify/hello-world", "--memory", "1000"], emulator: server)
            #expect(result.status == 64)
            #expect(
                result.stderrLines == [
                    "actor-run: The value '1000' is invalid for '--memory <mb>': use a power of 2 from 128 to 32768 (MB),"
                        + " e.g. 1024 (see actor-run help run)"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test func missingInputFile() async throws {
        try await Harness.withEmulator { server in
            let result = try await Harness.run(
                ["apify/hello-world", "-f", "/nonexistent/input.json"], emulator: server)
            #expect(result.status == 66)
            #expect(
                result.stderrLines == [
                    "actor-run: cannot read input file '/nonexistent/input.json': No such file or directory"
                ])
            #expect(await server.recordedRequests().isEmpty)
        }
    }
}
