import HummingbirdCore
import SanctumServices
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// Wraps the HTTP/WebSocket child channel so that a request the HTTP parser rejects (a raw
/// non-ASCII request line, an unknown method) gets a JSON 400 and a closed connection.
///
/// The WebSocket-capable pipeline of HummingbirdWebSocket disables NIO's error handling and
/// leaves such a connection hanging open; without this guard every malformed request would
/// hold a connection until the client gave up.
struct ParseErrorGuard<Base: ServerChildChannel>: ServerChildChannel {
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandler(RawWriter(), position: .first)
            try channel.pipeline.syncOperations.addHandler(ParseErrorResponder())
            return value
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Sits next to the socket so the responder can write bytes that bypass the HTTP encoder.
private final class RawWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
}

/// Answers an `HTTPParserError` with a JSON 400 and closes the connection.
private final class ParseErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    static let answer: ByteBuffer = {
        let body = #"{"error":"Bad request","success":false}"# + "\n"
        return ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
    }()

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else { return context.fireErrorCaught(error) }
        guard let raw = try? context.pipeline.syncOperations.context(handlerType: RawWriter.self) else {
            return context.close(promise: nil)
        }
        let channel = context.channel
        raw.writeAndFlush(NIOAny(Self.answer)).whenComplete { _ in channel.close(promise: nil) }
    }
}
