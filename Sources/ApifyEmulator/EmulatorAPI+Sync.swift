import Foundation
import Hummingbird

/// `run-sync` and `run-sync-get-dataset-items`, for actors and tasks: start, hold until the run ends, answer 201
/// with the output.
extension EmulatorAPI {
    /// 201 with the raw `outputRecordKey` record (default `OUTPUT`; an empty JSON body when the run stored none) or the
    /// dataset items; 400 `run-failed` when the run did not succeed; 408 `run-timeout-exceeded` when it is still
    /// going after the wait limit (the run goes on).
    func runSync(_ owner: RunOwner, datasetItems wantsItems: Bool, request: APIRequest) async throws(APIError)
        -> Response
    {
        try requireWriteAccess(request)
        if request.isBodyTooLarge { throw .requestTooLarge }
        // GET runs without input, as on the platform.
        let body = request.method == .post ? request.body : []
        let started: ActorRun
        switch owner {
        case .actor(let reference):
            guard let actor = await state.actor(for: reference) else { throw .actorNotFound }
            let input = try Self.actorInput(body: body, contentType: request.headers[.contentType])
            started = try await launch(actor: actor, task: nil, input: input, request: request)
        case .task(let reference):
            let (task, actor) = try await existingTask(reference)
            let input = try Self.mergedInput(task: task, body: body)
            started = try await launch(actor: actor, task: task, input: input, request: request)
        }
        await state.waitUntilTerminal(runID: started.id, seconds: runSyncWaitSecs)
        let run = try await existingRun(started.id)
        guard run.status.isTerminal else {
            throw APIError(
                status: .requestTimeout, type: "run-timeout-exceeded",
                message: "Actor run exceeded the timeout of \(Self.secondsText(runSyncWaitSecs)) seconds for this API "
                    + "endpoint")
        }
        guard run.status == .succeeded else {
            throw APIError(
                status: .badRequest, type: "run-failed",
                message: "Actor run did not succeed (run ID: \(run.id), status: \(run.status.rawValue))")
        }
        if wantsItems {
            var response = try await datasetItems(run.defaultDatasetId, request: request)
            response.status = .created
            return response
        }
        let key = RunQuery(request.query)["outputRecordKey"] ?? "OUTPUT"
        switch await state.record(storeID: run.defaultKeyValueStoreId, key: key) {
        case .success(let record):
            let stopFlag = self.stopFlag
            return Response(
                status: .created, headers: [.contentType: record.contentType],
                body: record.responseBody { stopFlag.isSet })
        case .failure:
            // "The response contains no data": the spec's 201 answer is JSON, so the empty body says so too.
            return Response(status: .created, headers: [.contentType: JSONResponse.contentType, .contentLength: "0"])
        }
    }

    private static func secondsText(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
