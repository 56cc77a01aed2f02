import NIOCore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import SanctumServices

/// Options of `sanctum serve`, after the command line and the config file are merged.
public struct ServeOptions: Sendable {
    public var configPath: String?
    public var host: String?
    public var port: Int?
    public var database: String?
    /// Start even when the database holds the original's published default keys.
    public var allowPublishedKeys = false

    public init(configPath: String? = nil, host: String? = nil, port: Int? = nil, database: String? = nil, allowPublishedKeys: Bool = false) {
        self.configPath = configPath
        self.host = host
        self.port = port
        self.database = database
        self.allowPublishedKeys = allowPublishedKeys
    }
}

/// Builds and runs the Sanctum server.
public enum SanctumServer {
    /// The default database file when neither flag nor config names one.
    public static let defaultDatabase = "data/sanctum.db"

    /// Opens (creating its folder) and migrates the database at `path`.
    public static func openStore(path: String, eventSink: @escaping @Sendable ([ChatEvent]) -> Void = { _ in }) async throws -> SQLiteChatStore {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try await SQLiteChatStore(database: Database(path: path), eventSink: eventSink)
    }

    /// Everything the server needs, ready to serve; keys generated on first start are returned
    /// so the caller can show them once. `registry` holds the plugins compiled into the binary
    /// (none by default); the config's tiers choose among them.
    public static func makeEnvironment(options: ServeOptions, config: SanctumConfig, environment: [String: String],
                                       logger: Logger, registry: PluginRegistry = PluginRegistry([]),
                                       clock wallClock: @escaping @Sendable () -> Date = { Date() })
        async throws -> (HostEnvironment, generated: [KeyKind: String], siteKeys: [String: String]) {
        var config = config
        // Without tiers in the file, every site gets the origin allowlist if this binary has it.
        if config.tiers == nil {
            config.tiers = ["default": .init(plugins: registry.types["domain-allowlist"] == nil ? [] : ["domain-allowlist"])]
        }
        let testClock = environment["SANCTUM_TEST_CLOCK"] == "1" ? AdjustableClock(base: wallClock) : nil
        if testClock != nil { logger.warning("SANCTUM_TEST_CLOCK=1: the clock can be moved with POST /_test/clock. Never use this in production.") }
        let clock: @Sendable () -> Date
        if let testClock { clock = { testClock.now() } } else { clock = wallClock }
        let bus = EventBus()
        let metrics = ServerMetrics()
        let opened = try await openDriver(databaseSetting(option: options.database, config: config, environment: environment),
                                          logger: logger, eventSink: bus.publish, observeBatches: { metrics.recordWriteBatch(size: $0) })
        let store = opened.store
        var provided: [KeyKind: String] = [:]
        provided[.api] = environment["SANCTUM_API_KEY"] ?? config.keys?.apiKey
        provided[.admin] = environment["SANCTUM_ADMIN_KEY"] ?? config.keys?.adminKey
        let (keys, generated) = try await KeyStore.setUp(store: store, provided: provided, allowPublished: options.allowPublishedKeys, now: clock())
        keys.retire([.api: try RotationConfig.agentKeys(config.keys?.previousAPIKeys, path: "keys.previous_api_keys"),
                     .admin: try RotationConfig.agentKeys(config.keys?.previousAdminKeys, path: "keys.previous_admin_keys")], clock: clock)
        var settings = ServerSettings()
        if let bytes = config.limits?.maxBodyBytes { settings.maxBodyBytes = bytes }
        if let length = config.limits?.maxReplyLength { settings.maxReplyLength = length }
        settings.trustedProxies = Set(config.server?.trustedProxies ?? [])
        if let streams = config.realtime?.maxConnectionsPerIP { settings.maxStreamsPerIP = streams }
        if let streams = config.realtime?.maxAgentConnectionsPerIP { settings.maxAgentStreamsPerIP = streams }
        settings.connections = try ConnectionLimits(config.connections)
        if let days = config.realtime?.eventRetentionDays { settings.eventRetention = days * 86_400 }
        if let seconds = config.realtime?.pingIntervalSeconds {
            guard seconds >= 1 else { throw ConfigError(description: "realtime.ping_interval_seconds: expected at least 1 (found \(seconds))") }
            settings.streamPingInterval = seconds
        }
        settings.retentionDays = try retentionDays(config)
        let limiter = RateLimiter(enabled: config.rateLimits?.enabled ?? true, budgets: config.rateLimits?.budgets ?? [:],
                                  clock: { clock().timeIntervalSince1970 })
        let activity = ActivityTracker(store: store, clock: clock, logger: logger)
        let tierPlugins = (config.tiers ?? [:]).sorted { $0.key < $1.key }.flatMap(\.value.plugins)
        var seen = Set<String>()
        let wanted = tierPlugins.filter { registry.types[$0] != nil && seen.insert($0).inserted }
        let rules = try OutboundRules(config.outbound)
        let outboundHTTP = OutboundHTTPClient(rules: rules)
        let plugins = try await PluginRuntime.activate(ids: wanted, registry: registry, config: config, store: store,
                                                       http: outboundHTTP, sockets: SocketConnector(rules: rules), traffic: metrics.traffic, logger: logger, clock: clock,
                                                       observeHooks: { metrics.recordHook(plugin: $0.pluginID, hook: $0.hook, duration: $0.duration, failed: !$0.succeeded) })
        let (sites, siteKeys) = try await SiteDirectory.build(config: config, activated: Set(plugins.activatedIDs), known: Set(registry.types.keys),
                                                              store: store, environment: environment, now: clock(), clock: clock)
        let services = ChatServices(store: store, bus: bus, keys: keys, limiter: limiter, activity: activity, sites: sites, plugins: plugins,
                                    defaultSessionTimeout: settings.defaultSessionTimeout, clock: clock)
        var env = HostEnvironment(services: services, settings: settings, logger: logger,
                                  assets: try assets("widget", environment), site: try assets("site", environment),
                                  close: opened.close, testClock: testClock, metrics: metrics, writeQueueDepth: opened.writeQueueDepth)
        env.outboundHTTP = outboundHTTP
        return (env, generated, siteKeys)
    }

    /// `retention_days` of the default site and every site, by site id; a value below 1 is refused.
    static func retentionDays(_ config: SanctumConfig) throws -> [String: Int] {
        var entries: [(path: String, site: SanctumConfig.Site, id: String)] = []
        if let site = config.defaultSite { entries.append(("default_site", site, defaultSiteID)) }
        for (index, site) in (config.sites ?? []).enumerated() { entries.append(("sites[\(index)]", site, site.id)) }
        var days: [String: Int] = [:]
        for entry in entries {
            guard let value = entry.site.retentionDays else { continue }
            guard value >= 1 else {
                throw ConfigError(description: "\(entry.path).retention_days: expected a whole number of days, at least 1 (found \(value))")
            }
            days[entry.id] = value
        }
        return days
    }

    /// Static files: bundled, or from `$SANCTUM_ASSETS_DIR/<name>` when set (live editing).
    static func assets(_ name: String, _ environment: [String: String]) throws -> WidgetAssets {
        if let root = environment["SANCTUM_ASSETS_DIR"], !root.isEmpty {
            return try WidgetAssets(directory: URL(fileURLWithPath: root).appendingPathComponent(name))
        }
        return try .bundled(name)
    }

    /// The HTTP responder for `env`.
    public static func makeResponder(_ env: HostEnvironment) -> some HTTPResponder<SanctumContext> {
        var routes = RouteTable()
        env.addBridgeRoutes(to: &routes)
        env.addChatRoutes(to: &routes)
        env.addAdminRoutes(to: &routes)
        env.addWidgetRoutes(to: &routes)
        env.addOperationsRoutes(to: &routes)
        if let clock = env.testClock { env.addTestClockRoute(clock, to: &routes) }
        routes.addPrefix("/static/", [.get]) { _, _ in throw APIError.notFound }
        return SanctumResponder(routes: routes, logger: env.logger, trustedProxies: env.settings.trustedProxies, metrics: env.metrics)
    }

    /// The Hummingbird application serving `env` on `host:port`.
    public static func makeApplication(_ env: HostEnvironment, host: String, port: Int,
                                       onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        -> some ApplicationProtocol {
        Application(responder: makeResponder(env),
                    server: HTTPServerBuilder { responder in
                        ConnectionGuard(
                            base: StreamUpgradeChannel(responder: responder) { head, connection in
                                env.openStream(head: head, connection: connection)
                            },
                            limits: env.settings.connections, trustedProxies: env.settings.trustedProxies,
                            connections: env.connections, counters: env.connectionCounters, log: env.connectionLog)
                    },
                    configuration: .init(address: .hostname(host, port: port), serverName: nil),
                    // The outbound client stops after the plugins (services stop in reverse order).
                    services: [env.outboundHTTP, env.services.activity, env.streams, env.plugins, PluginSubscriptions(services: env.services, logger: env.logger),
                               EventRetention(store: env.store, retention: env.settings.eventRetention, clock: env.clock, logger: env.logger),
                               RetentionJob(privacy: env.services.privacy, retentionDays: env.settings.retentionDays, clock: env.clock, logger: env.logger)],
                    onServerRunning: onServerRunning,
                    logger: env.logger)
    }

    /// `sanctum serve` with the plugins in `registry`: runs until SIGINT/SIGTERM, then finishes
    /// in-flight requests, flushes pending activity and closes the database after its last commit.
    public static func serve(_ options: ServeOptions, plugins registry: PluginRegistry) async throws {
        let environment = ProcessInfo.processInfo.environment
        var logger: Logger
        switch environment["LOG_FORMAT"] {
        case nil, "", "text": logger = Logger(label: "sanctum")
        case "json": logger = Logger(label: "sanctum") { JSONLogHandler(label: $0) }
        case let other?: throw ConfigError(description: "LOG_FORMAT: expected text or json, found \"\(other)\"")
        }
        logger.logLevel = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let config = try options.configPath.map(SanctumConfig.load(path:)) ?? SanctumConfig()
        let (env, generated, siteKeys) = try await makeEnvironment(options: options, config: config,
                                                                   environment: ProcessInfo.processInfo.environment, logger: logger,
                                                                   registry: registry)
        if !generated.isEmpty || !siteKeys.isEmpty {
            print("sanctum: generated new keys. They are shown ONCE and stored only as hashes; keep them now:")
            for kind in KeyKind.allCases { if let key = generated[kind] { print("  SANCTUM_\(kind == .api ? "API" : "ADMIN")_KEY=\(key)") } }
            for (site, key) in siteKeys.sorted(by: { $0.key < $1.key }) {
                print("  SANCTUM_SITE_\(site.uppercased().replacingOccurrences(of: "-", with: "_"))_AGENT_KEY=\(key)")
            }
        }
        raiseFileDescriptorLimit()
        let host = options.host ?? config.server?.host ?? "127.0.0.1"
        let port = options.port ?? config.server?.port ?? 8080
        let app = makeApplication(env, host: host, port: port)
        let database = databaseSetting(option: options.database, config: config, environment: ProcessInfo.processInfo.environment)
        logger.info("sanctum serving on http://\(host):\(port) with database \(PostgresURL.masked(database))")
        try await app.runService()
        env.close()
    }
}

/// Raises the soft open-files limit to the hard limit: every stream connection is a descriptor.
private func raiseFileDescriptorLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// Facts about this build.
public enum SanctumServerInfo {
    /// The database schema version this build writes.
    public static var schemaVersion: Int64 { Schema.currentVersion }
}
