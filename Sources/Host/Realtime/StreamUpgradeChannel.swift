import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Hummingbird's HTTP/1.1 child channel with the stream's WebSocket upgrade done in SwiftNIO
/// handlers: an upgraded connection is served by `StreamChannelHandler` and its
/// ``StreamConnection``, and its connection task ends right after the handshake. An idle stream
/// then holds no task (HummingbirdWebSocket kept three suspended per connection: about 20 KB;
/// docs/performance.md).
///
/// `UpgradeScreen` (in `ConnectionGuard`) lets only stream handshakes reach the upgrader; every
/// other request is served by the routes as plain HTTP/1.1.
struct StreamUpgradeChannel: ServerChildChannel, HTTPChannelHandler {
    /// What the connection became.
    enum UpgradeResult: Sendable {
        /// A stream: its handlers serve it; nothing is left to do in the connection task.
        case stream
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    /// A connection being set up.
    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    /// The largest WebSocket frame, and message, a client may send.
    static let maxMessageSize = 1 << 16

    let responder: HTTPChannelHandler.Responder
    let http1: HTTP1Channel.Configuration
    /// Starts serving an upgraded stream (called on the channel's event loop, handlers in place).
    let open: @Sendable (HTTPRequest, StreamConnection) -> Void

    /// A child channel answering HTTP with `responder` and upgrading stream handshakes with `open`.
    init(responder: @escaping HTTPChannelHandler.Responder, http1: HTTP1Channel.Configuration = .init(idleTimeout: nil),
         open: @escaping @Sendable (HTTPRequest, StreamConnection) -> Void) {
        self.responder = responder
        self.http1 = http1
        self.open = open
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let upgradeAttempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: Self.maxMessageSize,
                shouldUpgrade: { channel, head in
                    upgradeAttempted.value = true
                    return channel.eventLoop.makeSucceededFuture(HostEnvironment.isStreamTarget(head.uri) ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { [open] channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let request = try HTTPRequest(head, secure: false, splitCookie: false)
                        let connection = StreamConnection(channel: channel)
                        try channel.pipeline.syncOperations.addHandlers(
                            NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 256,
                                                        maxAccumulatedFrameSize: Self.maxMessageSize),
                            StreamChannelHandler(connection: connection))
                        open(request, connection)
                        return .stream
                    }
                }
            )
            let notUpgraded = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { [http1] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try pipeline.addHandlers(http1.additionalChannelHandlers())
                        try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return upgradeAttempted.value ? .failedUpgrade(asyncChannel) : .notUpgraded(asyncChannel)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: notUpgraded)
            configuration.enablePipelining = false   // HTTP is pipelined by NIOAsyncChannel
            configuration.enableErrorHandling = false   // answered by ParseErrorResponder
            configuration.enableResponseHeaderValidation = false   // swift-http-types validates
            configuration.decoderConfiguration.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
            configuration.decoderConfiguration.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
            configuration.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .stream:
                return
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .failedUpgrade(let http1):
                try await http1.executeThenClose { _, outbound in
                    try await outbound.write(contentsOf: [.head(HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])),
                                                          .end(nil)])
                }
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("Upgrade failed as input was closed")
        } catch {
            logger.debug("Connection ended before it was served", metadata: ["error": "\(error)"])
        }
    }
}
