import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Delivers a dispatch by HTTP POST, retrying as the platform does: a failed call (a status other than 2xx, a
/// connection error, or no answer within 30 s) is retried with a delay that doubles each time, up to
/// ``maxRetries`` times, unless the webhook says `doNotRetry`.
///
/// The platform's first delay is a minute; `APIFY_EMULATOR_WEBHOOK_RETRY_DELAY` (seconds) shortens it for tests.
struct WebhookSender: Sendable {
    let state: EmulatorState
    let dispatchID: String
    let url: URL
    let payload: [UInt8]
    let headers: [(String, String)]
    let retries: Bool

    static let maxRetries = 11
    static let callTimeout: TimeInterval = 30
    /// Bytes of a response body kept in the dispatch's `calls`.
    static let keptResponseBytes = 1000

    static var firstRetryDelay: Double {
        ProcessInfo.processInfo.environment["APIFY_EMULATOR_WEBHOOK_RETRY_DELAY"].flatMap(Double.init)
            .map { max(0, $0) } ?? 60
    }

    func deliver() async {
        var delay = Self.firstRetryDelay
        let attempts = retries ? Self.maxRetries + 1 : 1
        for attempt in 1...attempts {
            if await state.isShuttingDown || Task.isCancelled { return }
            let started = Date()
            let call = await send(startedAt: started)
            let succeeded = call.responseStatus.map { (200..<300).contains($0) } ?? false
            let status = succeeded ? "SUCCEEDED" : attempt == attempts ? "FAILED" : "ACTIVE"
            await state.recordCall(dispatchID, call, status: status)
            if succeeded || attempt == attempts { return }
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            delay *= 2
        }
    }

    private func send(startedAt: Date) async -> WebhookDispatch.Call {
        var request = URLRequest(url: url, timeoutInterval: Self.callTimeout)
        request.httpMethod = "POST"
        for (name, value) in headers {
            request.setValue(value, forHTTPHeaderField: name)
        }
        request.httpBody = Data(payload)
        var call = WebhookDispatch.Call(startedAt: startedAt)
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            call.responseStatus = (response as? HTTPURLResponse)?.statusCode
            call.responseBody = String(decoding: data.prefix(Self.keptResponseBytes), as: UTF8.self)
        } catch {
            call.errorMessage = "The request failed: \(error.localizedDescription)"
        }
        call.finishedAt = Date()
        return call
    }
}

/// `{{name}}` and `{{name.field}}` in a payload or headers template, replaced by the JSON of the value.
enum WebhookTemplate {
    static func render(_ template: String, variables: [String: JSONValue]) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let path = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                .split(separator: ".")
            var value = path.first.flatMap { variables[String($0)] }
            for field in path.dropFirst() {
                value = value?.objectMembers?.first { $0.key == field }?.value
            }
            output += (value ?? .null).serialized
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
