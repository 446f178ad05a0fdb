import Foundation
import Testing

@testable import ApifyClient

@Suite struct RequestShapeTests {
    @Test(arguments: [
        ("apify/hello-world", "apify~hello-world"),
        ("apify~hello-world", "apify~hello-world"),
        ("HG7ML7M8z78YcAPEB", "HG7ML7M8z78YcAPEB"),
        ("~my-actor", "~my-actor"),
    ])
    func actorReferences(text: String, path: String) throws {
        #expect(try ActorReference(parsing: text).pathComponent == path)
    }

    @Test(arguments: ["", "a/b/c", "a~b~c", "a/", "has space/x", "a?b"])
    func badActorReferences(text: String) {
        #expect(throws: ApifyError.self) { try ActorReference(parsing: text) }
    }

    @Test func zeroTimeoutIsSentAndWebhooksAreBase64() {
        let webhooks = #"[{"eventTypes":["ACTOR.RUN.SUCCEEDED"],"requestUrl":"https://example.com"}]"#
        let options = RunOptions(
            build: "1.2.34", timeoutSeconds: 0, memoryMegabytes: 256, maxItems: 10, maxTotalChargeUsd: "1.50",
            restartOnError: true, webhooksJSON: Array(webhooks.utf8))
        let items = options.queryItems
        #expect(
            items.map(\.0) == [
                "build", "timeout", "memory", "maxItems", "maxTotalChargeUsd", "restartOnError", "webhooks",
            ])
        #expect(items[1].1 == "0")
        #expect(Data(base64Encoded: items[6].1).map { String(decoding: $0, as: UTF8.self) } == webhooks)
        #expect(RunOptions().queryItems.isEmpty)
    }

    @Test func allowedMemoryIsPowersOfTwo() {
        #expect(RunOptions.allowedMemory == [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768])
        #expect(!RunOptions.isAllowedMemory(1000))
        #expect(!RunOptions.isAllowedMemory(65536))
    }

    @Test func jsonContentTypes() {
        #expect(RunInput.isJSON(contentType: "application/json; charset=utf-8"))
        #expect(RunInput.isJSON(contentType: "application/ld+json"))
        #expect(!RunInput.isJSON(contentType: "text/plain"))
    }
}

@Suite struct JSONSyntaxTests {
    @Test(arguments: [#"{"a":1}"#, "[]", #" {"a":[1,-2.5e3,true,false,null,"\u00e9\n"]} "#, "0", #""x""#])
    func accepts(text: String) throws {
        try JSONSyntaxChecker.check(Array(text.utf8))
    }

    @Test(arguments: [
        ("{\"a\":1,}", 1, 8, "unexpected '}', expected a string key"),
        ("{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "unexpected '\"', expected ',' or '}'"),
        ("{\"a\":", 1, 6, "unexpected end of input, expected a value"),
        ("", 1, 1, "the input is empty"),
        ("[1] x", 1, 5, "unexpected 'x' after the end of the JSON value"),
        ("{\"é\": tru}", 1, 10, "unexpected '}', expected 'true'"),
        ("[\"\u{7}\"]", 1, 3, "control character in a string (escape it, e.g. \\n)"),
    ])
    func rejectsWithPosition(text: String, line: Int, column: Int, reason: String) {
        do {
            try JSONSyntaxChecker.check(Array(text.utf8))
            Issue.record("accepted invalid JSON \(text)")
        } catch {
            #expect(error == JSONSyntaxError(line: line, column: column, reason: reason))
        }
    }

    @Test func invalidUTF8InAStringIsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0xFE, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            do {
                try JSONSyntaxChecker.check(bytes)
                Issue.record("accepted \(bytes)")
            } catch {
                #expect(error.reason == "invalid UTF-8 in a string (JSON must be UTF-8)")
                #expect(error.column == 2)
            }
        }
        #expect(throws: Never.self) { try JSONSyntaxChecker.check(Array("\"é€😀\"".utf8)) }
    }

    @Test func runObjectIsSlicedOutOfItsEnvelopeByteForByte() {
        let body = Array(#"{"data" : {"id": "X", "nested": {"a": [1, 2]}} , "extra": 1}"#.utf8)
        let range = JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "data", in: body)
        #expect(range.map { String(decoding: body[$0], as: UTF8.self) } == #"{"id": "X", "nested": {"a": [1, 2]}}"#)
        #expect(JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "missing", in: body) == nil)
        #expect(JSONSyntaxChecker.rangeOfValue(forTopLevelKey: "data", in: Array("[1]".utf8)) == nil)
    }
}
