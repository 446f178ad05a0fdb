/// The ordered log of every request the emulator received (except reads of the log itself).
actor RequestLog {
    private var requests: [RecordedRequest] = []

    func append(_ request: RecordedRequest) {
        requests.append(request)
    }

    var all: [RecordedRequest] { requests }
}
