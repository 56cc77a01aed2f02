import NIOCore
import NIOHTTP1

/// Answers a request the HTTP parser rejects (a raw non-ASCII request line, an unknown method)
/// with a JSON 400 and closes the connection; counts it and writes a throttled log line.
///
/// The upgradable pipeline (`StreamUpgradeChannel`, as HummingbirdWebSocket's) disables NIO's error handling and
/// leaves such a connection hanging open; without this every malformed request would hold a
/// connection until the client gave up.
final class ParseErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never

    private let connection: ConnectionDeadlineHandler
    private let counters: ConnectionCounters
    private let log: ThrottledLog

    init(connection: ConnectionDeadlineHandler, counters: ConnectionCounters, log: ThrottledLog) {
        self.connection = connection
        self.counters = counters
        self.log = log
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        counters.record(.requestsRejected)
        log.log(.notice, "Rejected a request the HTTP parser could not read", kind: "requests_rejected",
                metadata: ["peer": "\(context.channel.remoteAddress?.ipAddress ?? "unknown")", "error": "\(error)"])
        connection.answerAndClose(RawAnswer.badRequest)
    }
}
