import Foundation
import PluginAPI

/// Which instance runs a plugin's ``EventSubscription`` when several share one database: a
/// lease kept in the plugin data store (namespace `<plugin-id>:subscription-leases`, one key per
/// subscription), taken and renewed with an atomic update. The holder renews it before each
/// batch; the others stand by and take it over once it has run out (the holder stopped or died),
/// resuming from the stored cursor — so a subscription is not run twice at once (delivery stays
/// at least once: a holder that stalls past its lease may repeat a batch).
struct SubscriptionLease {
    /// How long a lease lasts without renewal.
    static let duration: TimeInterval = 30

    let store: any ChatStore
    let pluginID: String
    /// This instance's id (random per process).
    let holder: String
    let clock: @Sendable () -> Date
    private var namespace: String { pluginID + ":subscription-leases" }

    /// Takes or renews the lease of `subscription`; whether this instance holds it now.
    func hold(_ subscription: EventSubscription) async throws -> Bool {
        let now = clock().timeIntervalSince1970
        let holder = self.holder
        let mine = Data("\(holder) \(now + Self.duration)".utf8)
        let current = try await store.updatePluginValue(pluginID: namespace, key: subscription.name, expiresAt: nil, now: clock()) { stored in
            guard let stored, let lease = Self.parse(stored), lease.holder != holder, lease.until > now else { return mine }
            return stored
        }
        return current.flatMap(Self.parse)?.holder == holder
    }

    /// Gives the lease up if this instance holds it (graceful shutdown: another takes over at once).
    func release(_ subscription: EventSubscription) async {
        let holder = self.holder
        _ = try? await store.updatePluginValue(pluginID: namespace, key: subscription.name, expiresAt: nil, now: clock()) { stored in
            guard let stored, Self.parse(stored)?.holder == holder else { return stored }
            return nil
        }
    }

    /// `"<holder> <until>"`.
    private static func parse(_ data: Data) -> (holder: String, until: TimeInterval)? {
        let parts = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard parts.count == 2, let until = TimeInterval(parts[1]) else { return nil }
        return (String(parts[0]), until)
    }
}
