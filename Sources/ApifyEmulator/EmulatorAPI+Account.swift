import Foundation
import Hummingbird

/// Get Actor and `users/me`: enough of the account for clients that check a token or look an actor up.
extension EmulatorAPI {
    /// Fixed so that answers are reproducible; the platform's creation dates are in the past too.
    static let accountCreatedAt = Date(timeIntervalSince1970: 1_700_000_000)

    func getActor(_ reference: String, request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        guard let actor = await state.actor(for: reference) else { throw .actorNotFound }
        let runCount = await state.runCount(ofActor: actor.id)
        return JSONResponse.data(actor.json(totalRuns: runCount, createdAt: Self.accountCreatedAt))
    }

    func currentUser(_ request: APIRequest) throws(APIError) -> Response {
        try requireToken(request)
        return JSONResponse.data(EmulatedUser.json(createdAt: Self.accountCreatedAt))
    }
}
