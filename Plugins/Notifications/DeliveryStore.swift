import Foundation
import PluginAPI

/// The deliveries in the plugin's storage, so they survive restarts and are shared by instances
/// on one database. Pending ones live under `p:<endpoint>:<position>:<conversation>` (keys sort
/// in commit order and name the conversation, so the next delivery of each conversation is
/// found from the keys alone); finished ones move to `l:<endpoint>:<position>` and expire after
/// `log_retention_days`. Every change of one delivery is an atomic `update`.
struct DeliveryStore: Sendable {
    let storage: any PluginStorage
    let logRetention: Duration

    /// A pending delivery's key, as listed by ``pending(endpoint:)``.
    struct PendingKey: Sendable, Hashable {
        var key: String
        var position: EventPosition
        var conversation: String

        init(key: String, position: EventPosition, conversation: String) {
            self.key = key
            self.position = position
            self.conversation = conversation
        }

        /// The key of pending `delivery`.
        init(_ delivery: Delivery) {
            self.init(key: DeliveryStore.pendingKey(delivery), position: delivery.position, conversation: delivery.conversation)
        }
    }

    static func pendingKey(_ delivery: Delivery) -> String {
        "p:\(delivery.endpoint):\(delivery.position.key):\(delivery.conversation)"
    }

    static func logKey(endpoint: String, position: EventPosition) -> String { "l:\(endpoint):\(position.key)" }

    /// Queues `deliveries` and remembers the conversations in `announced` as seen, in one atomic
    /// write; a delivery finished already (a batch handed over again) is left out, one queued
    /// before is left as it is. Returns the deliveries that are pending now.
    func enqueue(_ deliveries: [Delivery], announced: [(site: String, session: String)]) async throws -> [Delivery] {
        var pending: [Delivery] = []
        for delivery in deliveries where try await storage.value(for: Self.logKey(endpoint: delivery.endpoint, position: delivery.position)) == nil {
            pending.append(delivery)
        }
        let writes = pending.map { delivery in
            let fresh = delivery.encoded()
            return PluginStorageWrite.update(Self.pendingKey(delivery)) { existing in existing ?? fresh }
        } + announced.map { PluginStorageWrite.set(Data("1".utf8), for: Self.seenKey(site: $0.site, session: $0.session), expiresAfter: Self.seenFor) }
        if !writes.isEmpty { try await storage.apply(writes) }
        return pending
    }

    /// The pending deliveries of `endpoint`, oldest first.
    func pending(endpoint: String) async throws -> [PendingKey] {
        try await storage.keys(prefix: "p:\(endpoint):").compactMap { key in
            let parts = key.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, let position = EventPosition(key: parts[2]) else { return nil }
            return PendingKey(key: key, position: position, conversation: String(parts[3]))
        }
    }

    /// What ``claim(_:owner:now:until:)`` found at a key.
    enum ClaimOutcome {
        /// Claimed: the delivery is this instance's until the lease ends.
        case claimed(Delivery)
        /// Finished (or replayed under another key) meanwhile.
        case gone
        /// Not due, or leased by another instance, until then.
        case notBefore(Date)
    }

    /// Claims, in one atomic write, the deliveries at `keys` for `owner` until `until`: those
    /// that are due and that nobody else holds.
    func claim(_ keys: [String], owner: String, now: Date, until: Date) async throws -> [ClaimOutcome] {
        let writes = keys.map { key in
            PluginStorageWrite.update(key) { data in
                guard var delivery = Delivery.decode(data), delivery.isFree(for: owner, at: now) else { return data }
                delivery.leaseOwner = owner
                delivery.leaseUntil = until
                return delivery.encoded()
            }
        }
        return try await storage.apply(writes).map { stored in
            guard let delivery = Delivery.decode(stored) else { return .gone }
            // Dates are stored in milliseconds: compare the lease end within that precision.
            if delivery.leaseOwner == owner, let leaseUntil = delivery.leaseUntil, abs(leaseUntil.timeIntervalSince(until)) < 0.002 {
                return .claimed(delivery)
            }
            return .notBefore(delivery.freeAt(for: owner))
        }
    }

    /// Records a failed attempt and when to try next.
    func retry(_ key: String, after attempt: Delivery.Attempt, nextAttemptAt: Date) async throws {
        try await storage.update(key) { data in
            guard var delivery = Delivery.decode(data) else { return data }
            delivery.record(attempt)
            delivery.nextAttemptAt = nextAttemptAt
            return delivery.encoded()
        }
    }

    /// Moves the delivery at `key` to the log as `state` (delivered or dead) with its last attempt.
    func finish(_ key: String, _ delivery: Delivery, as state: Delivery.State, after attempt: Delivery.Attempt) async throws {
        var finished = delivery
        finished.record(attempt)
        finished.state = state
        try await storage.apply([
            .set(finished.encoded(), for: Self.logKey(endpoint: delivery.endpoint, position: delivery.position), expiresAfter: logRetention),
            .remove(key),
        ])
    }

    /// Every delivery of `endpoint`, pending and finished, newest first, at most `limit`.
    func all(endpoint: String, limit: Int) async throws -> [Delivery] {
        let keys = try await storage.keys(prefix: "p:\(endpoint):") + storage.keys(prefix: "l:\(endpoint):")
        var found: [Delivery] = []
        for key in keys {
            if let delivery = Delivery.decode(try await storage.value(for: key)) { found.append(delivery) }
        }
        return Array(found.sorted { $0.position > $1.position }.prefix(limit))
    }

    /// The delivery `id` names, pending or finished, with its key.
    func find(id: String) async throws -> (key: String, delivery: Delivery)? {
        guard let (endpoint, position) = Delivery.parse(id: id) else { return nil }
        let logKey = Self.logKey(endpoint: endpoint, position: position)
        if let delivery = Delivery.decode(try await storage.value(for: logKey)) { return (logKey, delivery) }
        for key in try await storage.keys(prefix: "p:\(endpoint):\(position.key):") {
            if let delivery = Delivery.decode(try await storage.value(for: key)) { return (key, delivery) }
        }
        return nil
    }

    /// Queues a finished delivery again, due at once, with a fresh retry window; its attempt log
    /// is kept. A pending one is made due at once. Returns the delivery as queued.
    func replay(id: String, now: Date) async throws -> Delivery? {
        guard let (key, found) = try await find(id: id) else { return nil }
        var delivery = found
        delivery.state = .pending
        delivery.queuedAt = now
        delivery.nextAttemptAt = now
        if key.hasPrefix("l:") {
            try await storage.apply([.set(delivery.encoded(), for: Self.pendingKey(delivery)), .remove(key)])
        } else {
            try await storage.update(key) { data in
                guard var pending = Delivery.decode(data) else { return data }
                pending.queuedAt = now
                pending.nextAttemptAt = now
                return pending.encoded()
            }
        }
        return delivery
    }

    /// Whether the plugin has queued events of visitor conversation `session` of `site` before.
    func hasSeen(site: String, session: String) async throws -> Bool {
        try await storage.value(for: Self.seenKey(site: site, session: session)) != nil
    }

    static func seenKey(site: String, session: String) -> String { "seen:\(site):\(session)" }

    /// How long a conversation is remembered as announced.
    static let seenFor: Duration = .seconds(90 * 86_400)
}
