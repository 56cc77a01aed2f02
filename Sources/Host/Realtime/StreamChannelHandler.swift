import NIOCore
import NIOWebSocket
import SanctumServices

/// The WebSocket protocol of an upgraded stream connection, as the last handler of its pipeline
/// (after SwiftNIO's frame decoder, `MaskedFrameRequirement` and `NIOWebSocketFrameAggregator`):
///
/// - text frames that are valid UTF-8 and parse as JSON go to the ``StreamConnection``; invalid
///   UTF-8 closes with 1007, a message over the aggregator's limit with 1009, other protocol
///   errors with 1002; binary frames and text that is not JSON are skipped;
/// - pings are answered; any frame (a pong included) marks the client alive for
///   `StreamRegistry`'s pings;
/// - the close handshake: a client's close is answered and the channel closed; after the
///   server's own close frame, the channel closes when the client answers or after
///   ``closeTimeout``; nothing but the close frame is written after it.
///
/// It holds no task: an idle connection is this handler, the channel and its buffers.
final class StreamChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// How long the server waits for the client's answer to its close frame.
    static let closeTimeout = TimeAmount.seconds(15)

    private let connection: StreamConnection
    private var closeSent = false
    private var closeReceived = false

    /// The handler feeding `connection`.
    init(connection: StreamConnection) {
        self.connection = connection
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.end()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !closeReceived else { return }
        connection.heardFromClient()
        switch frame.opcode {
        case .text:
            guard !closeSent else { return }
            let payload = frame.unmaskedData
            guard String(validating: payload.readableBytesView, as: UTF8.self) != nil else {
                return closeForError(context, .dataInconsistentWithMessage)
            }
            if let json = JSON.parse(Array(payload.readableBytesView)), connection.received(json) {
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
            }
        case .ping:
            guard !closeSent else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            closeReceived = true
            connection.end()
            if closeSent { return context.close(promise: nil) }
            var payload = frame.unmaskedData
            let code = payload.readWebSocketErrorCode() ?? .normalClosure
            var answer = context.channel.allocator.buffer(capacity: 2)
            answer.write(webSocketErrorCode: code)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: answer)))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = unwrapOutboundIn(data)
        guard !closeSent, !closeReceived else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        if frame.opcode == .connectionClose {
            closeSent = true
            connection.end()
            let channel = context.channel
            context.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge:
            closeForError(context, .messageTooLarge)
        case is NIOWebSocketFrameAggregator.Error:
            closeForError(context, .protocolError)
        default:
            // SwiftNIO's WebSocketProtocolErrorHandler answers the decoder's errors.
            context.fireErrorCaught(error)
        }
    }

    /// Closes at once with `code` (a broken client gets no handshake to wait for).
    private func closeForError(_ context: ChannelHandlerContext, _ code: WebSocketErrorCode) {
        guard !closeSent else { return }
        closeSent = true
        connection.end()
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}
