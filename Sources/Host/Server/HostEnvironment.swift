import Foundation
import Hummingbird
import Logging
import SanctumServices

/// Tunables of the HTTP layer, from the config file.
public struct ServerSettings: Sendable {
    /// Largest accepted request body, in bytes.
    public var maxBodyBytes = 1 << 20
    /// Longest agent reply accepted by `outbox`, in code points.
    public var maxReplyLength = 100_000
    /// Peers whose `X-Forwarded-For` header is believed.
    public var trustedProxies: Set<String> = []
    /// Days conversations are kept, by site id (`retention_days`; sites without one are absent).
    public var retentionDays: [String: Int] = [:]
    /// Cleanup threshold when `system_config` has no `session_timeout` (the original's 30 min).
    public var defaultSessionTimeout: TimeInterval = 1800
    /// Concurrent visitor stream connections per client IP.
    public var maxStreamsPerIP = 50
    /// Concurrent agent and console stream connections per client IP, counted once their key is
    /// checked (a budget of their own: visitors' sockets never lock the console out).
    public var maxAgentStreamsPerIP = 50
    /// Seconds between the pings sent on each stream; a client that has sent nothing since the
    /// previous ping is closed.
    public var streamPingInterval = 20
    /// Timeouts and the per-IP cap of client connections.
    public var connections = ConnectionLimits()
    /// How long events are kept for replay.
    public var eventRetention: TimeInterval = 7 * 86_400

    public init() {}
}

/// What the HTTP layer needs, shared by all requests: the services, the HTTP settings, the
/// static files and the logger. Routes parse, call a service, and encode.
public struct HostEnvironment: Sendable {
    /// The domain services (no HTTP types below this line).
    public let services: ChatServices
    /// Tunables of the HTTP layer.
    public let settings: ServerSettings
    /// Server log.
    public let logger: Logger
    /// The widget's static files.
    public let assets: WidgetAssets
    /// The chat and admin pages (`Resources/site`).
    public let site: WidgetAssets
    /// The files of each activated plugin's widget module, by plugin id (see `PluginRoutes.swift`).
    let moduleAssets: [String: WidgetAssets]
    /// Open visitor stream connections per client IP.
    let visitorStreams = AddressSlots()
    /// Open agent and console stream connections per client IP.
    let agentStreams = AddressSlots()
    /// Open connections per client IP.
    let connections = AddressSlots()
    /// Open stream connections: pinged, and closed at shutdown.
    let streams: StreamRegistry
    /// What the connection layer refused or cut (docs/operations.md).
    public let connectionCounters = ConnectionCounters()
    /// The connection layer's log: one line per kind of refusal and interval.
    let connectionLog: ThrottledLog
    /// Closes the storage driver after its last commit (the server calls it once, at shutdown).
    public let close: @Sendable () -> Void
    /// The movable clock of a server started with `SANCTUM_TEST_CLOCK=1` (`nil` otherwise).
    public let testClock: AdjustableClock?
    /// What `/metrics` shows.
    let metrics: ServerMetrics
    /// Write jobs waiting for the storage driver's writer (0 when it has no queue).
    let writeQueueDepth: @Sendable () -> Int
    /// The plugins' outbound HTTP client (one for the server, shut down when it stops).
    var outboundHTTP = OutboundHTTPClient(rules: OutboundRules())

    /// The HTTP layer over `services`; `close` shuts the storage driver down.
    public init(services: ChatServices, settings: ServerSettings, logger: Logger, assets: WidgetAssets, site: WidgetAssets,
                close: @escaping @Sendable () -> Void = {}, testClock: AdjustableClock? = nil,
                metrics: ServerMetrics = ServerMetrics(), writeQueueDepth: @escaping @Sendable () -> Int = { 0 }) {
        self.services = services
        self.metrics = metrics
        self.writeQueueDepth = writeQueueDepth
        self.close = close
        self.testClock = testClock
        self.settings = settings
        self.logger = logger
        self.assets = assets
        self.site = site
        moduleAssets = Self.widgetModuleAssets(services.plugins)
        streams = StreamRegistry(pingPeriod: .seconds(settings.streamPingInterval))
        connectionLog = ThrottledLog(logger: logger, clock: services.clock)
    }

    /// The storage driver (start-up tasks and tests).
    public var store: any ChatStore { services.store }
    /// The clock every service reads.
    public var clock: @Sendable () -> Date { services.clock }
    /// Sites (tenants) and their keys.
    public var sites: SiteDirectory { services.sites }
    /// Activated plugins and the hook pipeline.
    public var plugins: PluginRuntime { services.plugins }
    /// Committed events, fanned out to streams and long-polls.
    public var bus: EventBus { services.bus }

    /// The success envelope `{"success":true,"message":"Success","timestamp":…,"data":…}`;
    /// `data: nil` omits the key (config POST).
    func envelope(_ data: JSON?, timestamp: Bool = true) -> Response {
        var members: [(String, JSON)] = []
        if let data { members.append(("data", data)) }
        members.append(("message", "Success"))
        members.append(("success", true))
        if timestamp { members.append(("timestamp", .string(Timestamps.iso(clock())))) }
        return .json(.fields(members))
    }
}
