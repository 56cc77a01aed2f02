import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Adds `MaskedFrameRequirement` right after the WebSocket frame decoder once a connection has
/// upgraded (SwiftNIO's upgrader adds the decoder only then). Sits at the end of the pipeline set
/// up for HTTP, where the upgrade-complete event arrives.
final class WebSocketFrameRules: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never

    private let counters: ConnectionCounters

    init(counters: ConnectionCounters) {
        self.counters = counters
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let upgrade = event as? HTTPServerUpgradeEvents, case .upgradeComplete = upgrade {
            do {
                let pipeline = context.pipeline.syncOperations
                let decoder = try pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
                try pipeline.addHandler(MaskedFrameRequirement(counters: counters), position: .after(decoder))
            } catch {
                context.close(promise: nil)   // never serve a stream without its rules
            }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// RFC 6455 §5.1: a client masks every frame, and a server closes the connection when one is
/// not masked — here with close code 1002 (protocol error). SwiftNIO's decoder accepts both.
final class MaskedFrameRequirement: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let counters: ConnectionCounters
    private var failed = false

    init(counters: ConnectionCounters) {
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        guard unwrapInboundIn(data).maskKey != nil else {
            failed = true
            counters.record(.unmaskedFrames)
            var payload = context.channel.allocator.buffer(capacity: 2)
            payload.write(webSocketErrorCode: .protocolError)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)))
                .whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.fireChannelRead(data)
    }
}
