import Foundation

/// One write of a batch ``PluginStorage/apply(_:)`` runs atomically: store, remove, or replace a
/// key's value with a transform of the current one. Since PluginAPI 2.4.
public struct PluginStorageWrite: Sendable {
    /// What a write does.
    public enum Change: Sendable {
        /// Stores the value, expiring after the duration (never when `nil`); replaces any
        /// previous value and expiry.
        case set(Data, expiresAfter: Duration?)
        /// Removes the key (no error if absent).
        case remove
        /// As ``PluginStorage/update(_:expiresAfter:_:)``: the transform gets the current value
        /// (`nil` when absent or expired) and answers the new one (`nil` removes the key); a key
        /// that exists keeps its expiry, one this write creates expires after the duration.
        case update(expiresAfter: Duration?, transform: @Sendable (Data?) throws -> Data?)
    }

    /// The key written (at most ``PluginStorageLimits/maxKeyBytes`` bytes).
    public let key: String
    /// What happens to it.
    public let change: Change

    /// A write of `change` to `key`.
    public init(key: String, change: Change) {
        self.key = key
        self.change = change
    }

    /// Stores `value` under `key` (until `timeToLive` has passed, when given).
    public static func set(_ value: Data, for key: String, expiresAfter timeToLive: Duration? = nil) -> Self {
        Self(key: key, change: .set(value, expiresAfter: timeToLive))
    }

    /// Removes `key`.
    public static func remove(_ key: String) -> Self {
        Self(key: key, change: .remove)
    }

    /// Replaces the value of `key` with `transform`'s answer for the current one.
    public static func update(_ key: String, expiresAfter timeToLive: Duration? = nil,
                              _ transform: @escaping @Sendable (Data?) throws -> Data?) -> Self {
        Self(key: key, change: .update(expiresAfter: timeToLive, transform: transform))
    }
}
