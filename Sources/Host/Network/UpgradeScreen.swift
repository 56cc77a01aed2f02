import NIOCore
import NIOHTTP1

/// Decides which upgrade requests the HTTP upgrade machinery after it may see. Sits right after
/// the HTTP parser.
///
/// Only a WebSocket handshake for the stream (`GET`, one `Sec-WebSocket-Key`,
/// `Sec-WebSocket-Version: 13`, no body, the connection's first request) keeps its `Upgrade`
/// header and is upgraded. Every other
/// request asking for an upgrade is answered as plain HTTP/1.1 by the routes:
/// - another protocol (`h2c` from curl `--http2` or Java's HttpClient, …) is ignored: the route's
///   normal answer. SwiftNIO's upgrade handler drops the head of a request whose protocol it has no
///   upgrader for, which left those clients without any answer.
/// - a WebSocket handshake elsewhere, or a malformed one, is marked with `RefusedUpgrade` and
///   `SanctumResponder` answers its JSON error (HummingbirdWebSocket answered an empty 400 or
///   nothing).
///
/// Such a request closes the connection after its answer (the HTTP parser stops reading after a
/// request it took for an upgrade). The marker header is removed from every incoming head, so
/// clients cannot set it.
final class UpgradeScreen: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let counters: ConnectionCounters
    private var requests = 0
    private var closeAfterAnswer = false

    init(counters: ConnectionCounters) {
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        requests += 1
        head.headers.remove(name: RefusedUpgrade.headerName)
        guard head.headers.contains(name: "upgrade") else { return context.fireChannelRead(wrapInboundOut(.head(head))) }
        let protocols = head.headers[canonicalForm: "upgrade"].map { $0.lowercased() }
        if protocols.contains("websocket") {
            if let refusal = RefusedUpgrade(webSocketHandshake: head, isFirstRequest: requests == 1) {
                counters.record(.upgradesRefused)
                head.headers.replaceOrAdd(name: RefusedUpgrade.headerName, value: refusal.rawValue)
            } else {
                context.fireChannelRead(wrapInboundOut(.head(head)))   // upgraded: HTTP parts end here
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            }
        }
        head.headers.remove(name: "upgrade")
        head.headers.replaceOrAdd(name: "connection", value: "close")
        closeAfterAnswer = true
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard closeAfterAnswer, case .head(var head) = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
