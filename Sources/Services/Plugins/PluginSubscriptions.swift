import Foundation
import Logging
import PluginAPI
import ServiceLifecycle

/// Runs the plugins' durable ``EventSubscription``s: each reads the event log from its stored
/// cursor, hands its handler the events of the sites whose tier enables the plugin, and stores
/// the cursor only after the handler returned — at least once, across restarts. With several
/// instances on one database, one instance at a time runs each subscription (``SubscriptionLease``).
public struct PluginSubscriptions: Service {
    /// Longest wait for new events before the log is read again (a safety net: the bus wakes
    /// it); shorter than ``SubscriptionLease/duration``, so an idle holder keeps its lease.
    static let idleWait: Duration = .seconds(10)
    /// Between attempts of an instance that stands by to take a subscription's lease over.
    static let standbyWait: Duration = .seconds(5)
    /// Backoff after a failed batch: doubles from the first to the last value.
    static let backoff: (first: Duration, last: Duration) = (.seconds(1), .seconds(60))

    let store: any ChatStore
    let bus: EventBus
    let sites: SiteDirectory
    let plugins: PluginRuntime
    let logger: Logger
    let clock: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    /// This instance's lease holder id.
    let instance = UUID().uuidString

    /// The subscriptions of `services`' plugins; `sleep` keeps the backoff (tests hand in their clock's).
    public init(services: ChatServices, logger: Logger,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        store = services.store
        bus = services.bus
        sites = services.sites
        plugins = services.plugins
        clock = services.clock
        self.logger = logger
        self.sleep = sleep
    }

    /// Runs every subscription until shutdown (and stays until then when there is none: a
    /// service that returns early would stop the server).
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await gracefulShutdown() }
            for entry in plugins.entries {
                for subscription in entry.contributions.subscriptions {
                    group.addTask { await cancelWhenGracefulShutdown { await self.follow(subscription, of: entry.id) } }
                }
            }
        }
    }

    /// Follows one subscription until the task is cancelled, while this instance holds its
    /// lease; gives the lease up at the end.
    func follow(_ subscription: EventSubscription, of pluginID: String) async {
        let lease = SubscriptionLease(store: store, pluginID: pluginID, holder: instance, clock: clock)
        await follow(subscription, of: pluginID, holding: lease)
        // The task is cancelled by now: release from one that is not.
        await Task { await lease.release(subscription) }.value
    }

    private func follow(_ subscription: EventSubscription, of pluginID: String, holding lease: SubscriptionLease) async {
        let cursors = SubscriptionCursors(store: store, pluginID: pluginID, clock: clock)
        let enabledSites = Set(sites.all.filter { $0.plugins.contains(pluginID) }.map(\.id))
        let wanted: @Sendable (ChatEvent) -> Bool = { event in
            enabledSites.contains(event.siteID) && (subscription.types.isEmpty || subscription.types.contains(event.type))
        }
        var failures = 0
        var stored: Int64?  // the cursor as last read or saved: the store is read once per run
        while !Task.isCancelled {
            do {
                guard try await lease.hold(subscription) else {
                    stored = nil  // another instance moves the cursor: read it again on taking over
                    try await Task.sleep(for: Self.standbyWait)
                    continue
                }
                let cursor: Int64
                if let stored { cursor = stored } else { cursor = try await cursors.position(of: subscription) }
                stored = cursor
                let range = try await store.eventRange()
                if EventService.isPurged(cursor, purgedBelow: range.purgedBelow) {
                    logger.warning("plugin \(pluginID) subscription \(subscription.name) missed events \(cursor + 1)…\(range.purgedBelow - 1): the retention purged them first")
                    try await cursors.save(range.purgedBelow - 1, for: subscription)
                    stored = range.purgedBelow - 1
                    continue
                }
                let page = try await store.events(in: .all, after: cursor, limit: subscription.batchSize)
                guard let last = page.last else {
                    try await waitForEvents(after: cursor)
                    continue
                }
                let batch = page.filter(wanted)
                if !batch.isEmpty { try await subscription.handle(batch.map(\.logged)) }
                try await cursors.save(last.id, for: subscription)
                stored = last.id
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                let delay = min(Self.backoff.first * (1 << min(failures - 1, 6)), Self.backoff.last)
                logger.warning("plugin \(pluginID) subscription \(subscription.name) failed (attempt \(failures)), retrying in \(delay): \(error)")
                do { try await sleep(delay) } catch { return }
            }
        }
    }

    /// Returns when an event after `cursor` was committed, or after ``idleWait``.
    private func waitForEvents(after cursor: Int64) async throws {
        let store = self.store
        _ = try await bus.wait(in: .all, timeout: Self.idleWait) { !(try await store.events(in: .all, after: cursor, limit: 1)).isEmpty }
        try Task.checkCancellation()
    }
}

/// Where each subscription of a plugin stands, kept in the plugin data store under the
/// namespace `<plugin-id>:subscriptions` (no plugin id contains `:`, so no plugin sees it).
struct SubscriptionCursors {
    let store: any ChatStore
    let pluginID: String
    let clock: @Sendable () -> Date
    private var namespace: String { pluginID + ":subscriptions" }

    /// The stored cursor, or — on the first run — where ``EventSubscription/start`` says (stored at once).
    func position(of subscription: EventSubscription) async throws -> Int64 {
        if let data = try await store.pluginValue(pluginID: namespace, key: subscription.name, now: clock()),
           let cursor = Int64(String(decoding: data, as: UTF8.self)) {
            return cursor
        }
        let range = try await store.eventRange()
        let cursor = subscription.start == .newest ? range.newest : max(range.purgedBelow - 1, 0)
        try await save(cursor, for: subscription)
        return cursor
    }

    func save(_ cursor: Int64, for subscription: EventSubscription) async throws {
        try await store.setPluginValue(pluginID: namespace, key: subscription.name, value: Data(String(cursor).utf8), expiresAt: nil, now: clock())
    }
}

extension ChatEvent {
    /// The plugin-facing form.
    var logged: LoggedEvent {
        LoggedEvent(id: id, type: type, siteID: siteID, sessionID: sessionID, at: at, data: Data(data.serializedBytes.dropLast()))
    }
}
