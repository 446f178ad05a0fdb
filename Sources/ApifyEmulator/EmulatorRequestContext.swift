import Hummingbird
import NIOCore

/// The request context: Hummingbird's basics plus the connection's channel, which the connection faults
/// (`close-before`, `close-after`, `truncate`) close from under the response.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
