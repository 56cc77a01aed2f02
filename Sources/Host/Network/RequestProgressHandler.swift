import NIOCore
import NIOHTTP1

/// Tells the connection's `ConnectionDeadlineHandler` where requests and responses stand: sits
/// between the HTTP parser and the rest of the pipeline, after `UpgradeScreen`.
///
/// A head that still carries `Upgrade` after the screen is a WebSocket handshake about to be
/// accepted: the deadlines stop, and this handler leaves the pipeline before the HTTP parser
/// does (it reads HTTP parts, and WebSocket bytes follow).
final class RequestProgressHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let deadlines: ConnectionDeadlineHandler

    init(deadlines: ConnectionDeadlineHandler) {
        self.deadlines = deadlines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head) where head.headers.contains(name: "upgrade"):
            deadlines.upgraded()
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        case .head: deadlines.headArrived()
        case .body(let bytes): deadlines.bodyArrived(bytes.readableBytes)
        case .end: deadlines.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: deadlines.responseBegan()
        case .end: deadlines.responseEnded()
        case .head, .body: break
        }
        context.write(data, promise: promise)
    }
}
