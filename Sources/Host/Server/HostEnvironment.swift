import Hummingbird
import Foundation
import Logging

/// Tunables of the HTTP layer, from the config file.
public struct ServerSettings: Sendable {
    /// Largest accepted request body, in bytes.
    public var maxBodyBytes = 1 << 20
    /// Longest agent reply accepted by `outbox`, in code points.
    public var maxReplyLength = 100_000
    /// Peers whose `X-Forwarded-For` header is believed.
    public var trustedProxies: Set<String> = []
    /// Cleanup threshold when `system_config` has no `session_timeout` (the original's 30 min).
    public var defaultSessionTimeout: TimeInterval = 1800
    /// Concurrent stream connections per client IP.
    public var maxStreamsPerIP = 50
    /// How long events are kept for replay.
    public var eventRetention: TimeInterval = 7 * 86_400

    public init() {}
}

/// Everything a route handler needs, shared by all requests.
public struct HostEnvironment: Sendable {
    public let store: any ChatStore
    public let keys: KeyStore
    public let limiter: RateLimiter
    public let activity: ActivityTracker
    public let settings: ServerSettings
    public let clock: @Sendable () -> Date
    public let logger: Logger
    public let assets: WidgetAssets
    /// The chat and admin pages (`Resources/site`).
    public let site: WidgetAssets
    /// Sites (tenants) and their keys.
    public let sites: SiteDirectory
    /// Activated plugins and the hook pipeline.
    public let plugins: PluginRuntime
    /// Committed events, fanned out to streams and long-polls.
    public let bus: EventBus
    /// Open stream connections per client IP.
    let streams = StreamCounter()

    public init(store: any ChatStore, keys: KeyStore, limiter: RateLimiter, activity: ActivityTracker,
                settings: ServerSettings, clock: @escaping @Sendable () -> Date, logger: Logger, assets: WidgetAssets, site: WidgetAssets,
                sites: SiteDirectory, plugins: PluginRuntime, bus: EventBus) {
        self.store = store
        self.keys = keys
        self.limiter = limiter
        self.activity = activity
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.assets = assets
        self.site = site
        self.sites = sites
        self.plugins = plugins
        self.bus = bus
    }

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
