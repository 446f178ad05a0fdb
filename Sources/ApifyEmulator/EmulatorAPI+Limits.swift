import Foundation
import Hummingbird

/// `users/me/limits` and `users/me/usage/monthly`: the account's limits follow the emulator's `--memory-limit` and
/// `--concurrent-runs`, and `current` counts the runs going now, so a client that sizes its parallelism from them
/// (as `actor-run batch` does) sees the emulator's real ceiling.
extension EmulatorAPI {
    func accountLimits(_ request: APIRequest) async throws(APIError) -> Response {
        try requireToken(request)
        let usage = await state.currentUsage()
        let adjustable = await state.adjustableLimits
        let memoryLimit = state.memoryLimitMbytes
        let cycle = Self.usageCycle(containing: Date())
        return JSONResponse.data(
            .object([
                .init("monthlyUsageCycle", cycle),
                .init(
                    "limits",
                    .object([
                        .init("maxMonthlyUsageUsd", .double(adjustable.maxMonthlyUsageUsd)),
                        .init("maxMonthlyActorComputeUnits", .double(1_000_000)),
                        .init("maxMonthlyExternalDataTransferGbytes", .double(1000)),
                        .init("maxMonthlyProxySerps", 0),
                        .init("maxMonthlyResidentialProxyGbytes", .double(0)),
                        .init("maxActorMemoryGbytes", .double(Double(memoryLimit) / 1024)),
                        .init("maxActorCount", 1000),
                        .init("maxActorTaskCount", 1000),
                        .init("maxConcurrentActorJobs", .int(state.concurrentRunsLimit)),
                        .init("maxTeamAccountSeatCount", 0),
                        .init("dataRetentionDays", .int(adjustable.dataRetentionDays)),
                        .init("maxScheduleCount", 100),
                    ])),
                .init(
                    "current",
                    .object([
                        .init("monthlyUsageUsd", .double(0)),
                        .init("monthlyActorComputeUnits", .double(0)),
                        .init("monthlyExternalDataTransferGbytes", .double(0)),
                        .init("monthlyProxySerps", 0),
                        .init("monthlyResidentialProxyGbytes", .double(0)),
                        .init("actorMemoryGbytes", .double(Double(usage.actorMemoryMbytes) / 1024)),
                        .init("actorCount", .int(usage.actorCount)),
                        .init("actorTaskCount", .int(usage.actorTaskCount)),
                        .init("activeActorJobCount", .int(usage.activeActorJobCount)),
                        .init("teamAccountSeatCount", 0),
                        .init("scheduleCount", 0),
                    ])),
            ]))
    }

    /// Sets `maxMonthlyUsageUsd` and `dataRetentionDays`, the two limits the platform lets a user change; 201 with
    /// an empty object, as the spec has it. Other fields answer 400, so a typo does not pass silently.
    func updateAccountLimits(_ request: APIRequest) async throws(APIError) -> Response {
        try requireWriteAccess(request)
        guard let body = try? JSONValue.parse(request.body), let members = body.objectMembers else {
            throw .invalidInput("The request body must be a JSON object.")
        }
        var limits = await state.adjustableLimits
        for member in members {
            switch (member.key, member.value) {
            case ("maxMonthlyUsageUsd", .int(let value)) where value >= 0:
                limits.maxMonthlyUsageUsd = Double(value)
            case ("maxMonthlyUsageUsd", .double(let value)) where value >= 0:
                limits.maxMonthlyUsageUsd = value
            case ("dataRetentionDays", .int(let value)) where value > 0:
                limits.dataRetentionDays = value
            default:
                throw .invalidInput(
                    "Invalid limit \"\(member.key)\": only maxMonthlyUsageUsd (a number of USD, 0 or more) and "
                        + "dataRetentionDays (a number of days, 1 or more) can be set.")
            }
        }
        await state.setAdjustableLimits(limits)
        return JSONResponse.make(status: .created, body: .object([]))
    }

    /// The month's usage: nothing is billed in the emulator, so every service is at zero, in one entry for today
    /// (its `date` a midnight UTC date-time, which the official clients parse).
    func monthlyUsage(_ request: APIRequest) throws(APIError) -> Response {
        try requireToken(request)
        let now = Date()
        if let date = request.query["date"], !date.isEmpty, Self.day(date) == nil {
            throw .invalidInput("Invalid value of \"date\" parameter: \"\(date)\" is not a date (YYYY-MM-DD).")
        }
        let cycle = Self.usageCycle(containing: request.query["date"].flatMap(Self.day) ?? now)
        let service: JSONValue = .object([
            .init("ACTOR_COMPUTE_UNITS", .object([.init("quantity", .double(0)), .init("baseAmountUsd", .double(0))]))
        ])
        return JSONResponse.data(
            .object([
                .init("usageCycle", cycle),
                .init("monthlyServiceUsage", service),
                .init(
                    "dailyServiceUsages",
                    .array([
                        .object([
                            .init("date", .string(String(Timestamp.string(now).prefix(10)) + "T00:00:00.000Z")),
                            .init("serviceUsage", service),
                            .init("totalUsageCreditsUsd", .double(0)),
                        ])
                    ])),
                .init("totalUsageCreditsUsdBeforeVolumeDiscount", .double(0)),
                .init("totalUsageCreditsUsdAfterVolumeDiscount", .double(0)),
            ]))
    }

    /// The calendar month (UTC) around `date`, as `{startAt, endAt}`.
    private static func usageCycle(containing date: Date) -> JSONValue {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.dateInterval(of: .month, for: date)?.start ?? date
        let end = calendar.date(byAdding: DateComponents(month: 1, second: -1), to: start) ?? date
        return .object([
            .init("startAt", .string(Timestamp.string(start))),
            .init("endAt", .string(Timestamp.string(end))),
        ])
    }

    private static func day(_ text: String) -> Date? {
        try? Date(text + "T00:00:00Z", strategy: .iso8601)
    }
}
