import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Wraps the HTTP/WebSocket child channel with the connection-level defences
/// (docs/operations.md, "Connections"):
///
/// - the per-IP connection cap (`RefusedConnection` answers those over it);
/// - the idle, header and body deadlines (`ConnectionDeadlineHandler`, fed by
///   `RequestProgressHandler`);
/// - the upgrade screen (`UpgradeScreen`: only stream handshakes upgrade, the rest get an answer);
/// - the JSON 400 for requests the HTTP parser rejects (`ParseErrorResponder`);
/// - the WebSocket masking rule (`WebSocketFrameRules`);
/// - a connection logger whose error lines are throttled (`ConnectionLogHandler`).
///
/// The pipeline it builds over `StreamUpgradeChannel`'s: deadlines · response encoder · request
/// decoder · upgrade screen · request progress · upgrade handler · parse-error responder ·
/// WebSocket frame rules · (Hummingbird's HTTP handlers, or the stream's after an upgrade).
///
/// Reads are capped at ``maxReadSize`` bytes: a request body waiting for its handler is buffered up to
/// NIOAsyncChannel's high watermark (10 reads), so this bounds what each slow-consumed upload holds
/// (160 KiB instead of 640 KiB with NIO's 64 KiB default; docs/performance.md, "Attachments uploads").
struct ConnectionGuard<Base: ServerChildChannel>: ServerChildChannel {
    /// A set-up connection; `base` is `nil` for one refused by the cap (it gets no HTTP pipeline).
    struct Value: ServerChildChannelValue {
        let base: Base.Value?
        let outcome: ConnectionOutcome
        let channel: any Channel
    }

    let base: Base
    let limits: ConnectionLimits
    /// Proxies carry many clients: never capped.
    let trustedProxies: Set<String>
    let connections: AddressSlots
    let counters: ConnectionCounters
    let log: ThrottledLog

    /// The largest single read from a socket.
    static var maxReadSize: Int { 16 * 1024 }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let outcome = ConnectionOutcome()
        let ip = channel.remoteAddress?.ipAddress ?? "unknown"
        if !limits.exemptIPs.contains(ip) && !trustedProxies.contains(ip) {
            guard connections.acquire(ip, limit: limits.maxPerIP) else { return refuse(channel, ip: ip, outcome: outcome) }
            channel.closeFuture.whenComplete { [connections] _ in connections.release(ip) }
        }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { [limits, counters, log] value in
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator,
                                               value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maxReadSize))
            let pipeline = channel.pipeline.syncOperations
            let deadlines = ConnectionDeadlineHandler(limits: limits, outcome: outcome, counters: counters)
            try pipeline.addHandler(deadlines, position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandlers([UpgradeScreen(counters: counters), RequestProgressHandler(deadlines: deadlines)],
                                     position: .after(decoder))
            try pipeline.addHandlers(ParseErrorResponder(connection: deadlines, counters: counters, log: log),
                                     WebSocketFrameRules(counters: counters))
            return Value(base: value, outcome: outcome, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard let baseValue = value.base else { return }
        var logger = logger
        logger.handler = ConnectionLogHandler(base: logger.handler, outcome: value.outcome, throttle: log)
        await base.handle(value: baseValue, logger: logger)
    }

    private func refuse(_ channel: any Channel, ip: String, outcome: ConnectionOutcome) -> EventLoopFuture<Value> {
        counters.record(.connectionsRefused)
        outcome.markClosedByServer()
        log.log(.warning, "Refused a connection: its address holds the most connections allowed", kind: "connections_refused",
                metadata: ["peer": "\(ip)", "max_per_ip": "\(limits.maxPerIP)"])
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RefusedConnection())
            return Value(base: nil, outcome: outcome, channel: channel)
        }
    }
}
