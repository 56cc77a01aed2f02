import Foundation

/// How agents receive visitor messages: the at-most-once inbox (the bridge's), its long-poll,
/// the lease-and-acknowledge mode for at-least-once delivery.
public struct AgentDeliveryService: Sendable {
    /// Longest `wait` of a long-poll, in seconds.
    public static let maxWait: Int64 = 30

    let store: any ChatStore
    let bus: EventBus
    let clock: @Sendable () -> Date

    /// Delivery from this store, woken by this bus.
    public init(store: any ChatStore, bus: EventBus, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.bus = bus
        self.clock = clock
    }

    /// One inbox call: takes (or, with `lease`, hides for that long) the site's deliverable
    /// messages. With `wait` > 0 and nothing deliverable, waits up to that many seconds for the
    /// site's next visitor message — one committed between the take and the subscription counts
    /// too — and takes again.
    public func takeInbox(site: Site, limit: Int, offset: Int, since: String?, wait: Int64, lease: TimeInterval?) async throws -> InboxPage {
        var page = try await store.takeInbox(siteID: site.id, limit: limit, offset: offset, since: since, lease: lease, now: clock())
        guard page.messages.isEmpty, wait > 0 else { return page }
        let (store, now) = (self.store, clock())
        if try await bus.wait(in: .site(site.id), timeout: .seconds(wait), matching: { $0.type == "message" }, afterSubscribing: {
            try await store.pendingCount(siteID: site.id, since: since, now: now) > 0
        }) {
            page = try await store.takeInbox(siteID: site.id, limit: limit, offset: offset, since: since, lease: lease, now: clock())
        }
        return page
    }

    /// Acknowledges leased or pending messages of the site: they are never delivered again.
    public func acknowledge(site: Site, messageIDs: [Int64]) async throws -> Int {
        try await store.acknowledge(siteID: site.id, messageIDs: messageIDs, now: clock())
    }

    /// When a lease taken now for `seconds` ends.
    public func leaseEnd(_ seconds: TimeInterval) -> Date { clock().addingTimeInterval(seconds) }
}
