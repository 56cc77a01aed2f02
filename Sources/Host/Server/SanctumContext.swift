import Hummingbird
import SanctumServices
import NIOCore

/// The request context of every Sanctum request: Hummingbird's core storage plus the peer.
public struct SanctumContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy when one is in front).
    public let remoteAddress: SocketAddress?
    /// The client IP, resolved once per request by the responder (forwarded headers count only
    /// from trusted proxies); rate limits, auth throttling and stored sessions use it.
    public internal(set) var clientIP: String
    /// The client connection (a streamed upload refused with 413 stops reading from it).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        remoteAddress = source.channel.remoteAddress
        clientIP = remoteAddress?.ipAddress ?? "unknown"
    }
}
