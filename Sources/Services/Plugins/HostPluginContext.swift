import Foundation
import Logging
import PluginAPI

/// The ``PluginHost`` the server gives one plugin: its logger, the clock, its own slice of the
/// store, event publishing, and the server's outbound HTTP client and sockets (implemented by
/// the host layer: the services know no network library).
package struct HostPluginContext: PluginHost {
    let pluginID: String
    let logger: Logger
    let clock: @Sendable () -> Date
    let store: any ChatStore
    package let http: any PluginHTTPClient
    package let sockets: any PluginSocketConnector
    let traffic: ForegroundTraffic

    /// The context of plugin `pluginID`, logging through `logger`, storing in `store`, reaching
    /// out through `http` and `sockets`, yielding to the requests `traffic` counts.
    package init(pluginID: String, logger: Logger, clock: @escaping @Sendable () -> Date, store: any ChatStore,
                 http: any PluginHTTPClient, sockets: any PluginSocketConnector, traffic: ForegroundTraffic = ForegroundTraffic()) {
        self.pluginID = pluginID
        self.logger = logger
        self.clock = clock
        self.store = store
        self.http = http
        self.sockets = sockets
        self.traffic = traffic
    }

    package func yieldToTraffic(upTo maximum: Duration) async {
        await traffic.waitForQuiet(upTo: maximum)
    }

    package func log(_ level: PluginLogLevel, _ message: String, metadata: [String: String]) {
        var fields: Logger.Metadata = ["plugin": .string(pluginID)]
        for (key, value) in metadata { fields[key] = .string(value) }
        let mapped: Logger.Level = switch level {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
        logger.log(level: mapped, "\(message)", metadata: fields)
    }

    package func now() -> Date { clock() }

    /// swift-crypto's SHA-256 and HMAC for the plugin (PluginAPI 2.3).
    package var crypto: any PluginCrypto { HostPluginCrypto() }

    package var storage: any PluginStorage { StorePluginStorage(pluginID: pluginID, store: store, clock: clock) }

    /// Appends the event to the durable event log (type `plugin`), from where the stream, the
    /// `events` long-poll and the console deliver it to the site's agents and the operator.
    package func publish(_ event: PluginEvent) async {
        do {
            try await store.appendPluginEvent(siteID: event.siteID, pluginID: pluginID, name: event.name, attributes: event.attributes, now: clock())
        } catch {
            logger.warning("plugin event \(event.name) was not recorded: \(error)", metadata: ["plugin": .string(pluginID)])
        }
    }
}

/// A plugin's key-value space in the main store (`sanctum_plugin_data`), with expiry measured on
/// the host's clock.
package struct StorePluginStorage: PluginStorage {
    let pluginID: String
    let store: any PluginDataStore
    let clock: @Sendable () -> Date

    /// The space of `pluginID` in `store`; `clock` is the host's (injected) clock.
    package init(pluginID: String, store: any PluginDataStore, clock: @escaping @Sendable () -> Date) {
        self.pluginID = pluginID
        self.store = store
        self.clock = clock
    }

    package func value(for key: String) async throws -> Data? {
        try await store.pluginValue(pluginID: pluginID, key: key, now: clock())
    }

    package func set(_ value: Data, for key: String) async throws {
        try await apply([.set(value, for: key)])
    }

    package func set(_ value: Data, for key: String, expiresAfter timeToLive: Duration) async throws {
        try await apply([.set(value, for: key, expiresAfter: timeToLive)])
    }

    package func remove(_ key: String) async throws {
        try await apply([.remove(key)])
    }

    package func keys(prefix: String) async throws -> [String] {
        try await store.pluginKeys(pluginID: pluginID, prefix: prefix, now: clock())
    }

    @discardableResult
    package func update(_ key: String, expiresAfter timeToLive: Duration?,
                        _ transform: @escaping @Sendable (Data?) throws -> Data?) async throws -> Data? {
        try await apply([.update(key, expiresAfter: timeToLive, transform)])[0]
    }

    @discardableResult
    package func apply(_ writes: [PluginStorageWrite]) async throws -> [Data?] {
        let now = clock()
        let translated = try writes.map { write in
            try PluginStorageLimits.check(key: write.key)
            return PluginDataWrite(key: write.key, change: try Self.change(write.change, now: now))
        }
        guard !translated.isEmpty else { return [] }
        return try await store.applyPluginWrites(pluginID: pluginID, writes: translated, now: now)
    }

    /// A plugin's write as the store's, with its time to live turned into an expiry on `now`.
    private static func change(_ change: PluginStorageWrite.Change, now: Date) throws -> PluginDataWrite.Change {
        switch change {
        case .set(let value, let timeToLive):
            .set(value, expiresAt: try timeToLive.map { try PluginStorageLimits.expiry(after: $0, from: now) })
        case .remove:
            .set(nil, expiresAt: nil)
        case .update(let timeToLive, let transform):
            .update(expiresAtIfNew: try timeToLive.map { try PluginStorageLimits.expiry(after: $0, from: now) }, transform: transform)
        }
    }
}
