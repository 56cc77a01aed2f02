import Foundation

/// One write of a batch that ``PluginDataStore/applyPluginWrites(pluginID:writes:now:)`` runs in
/// one transaction: a plain store or removal, or a read-modify-write of the key's current value.
public struct PluginDataWrite: Sendable {
    /// What happens to the key.
    public enum Change: Sendable {
        /// Stores the value with its expiry (`nil`: never), or removes the key when the value is `nil`.
        case set(Data?, expiresAt: Date?)
        /// Replaces the value with the transform's answer for the current one (`nil` when absent
        /// or expired; answering `nil` removes it). A value that exists keeps its expiry, a new one
        /// gets `expiresAtIfNew`.
        case update(expiresAtIfNew: Date?, transform: @Sendable (Data?) throws -> Data?)
    }

    /// The plugin's key.
    public var key: String
    /// What happens to it.
    public var change: Change

    /// A write of `change` to `key`.
    public init(key: String, change: Change) {
        self.key = key
        self.change = change
    }

    /// The value to store after this write, given the key's live value and expiry now; the
    /// drivers call it inside their transaction, so they all share one meaning of a write.
    public func apply(to current: (value: Data, expiresAt: Date?)?) throws -> (value: Data, expiresAt: Date?)? {
        switch change {
        case .set(let value, let expiresAt):
            return value.map { ($0, expiresAt) }
        case .update(let expiresAtIfNew, let transform):
            return try transform(current?.value).map { ($0, current == nil ? expiresAtIfNew : current?.expiresAt) }
        }
    }
}

extension PluginDataStore {
    /// Stores (or, with `nil`, removes) a plugin's value, with its expiry (`nil`: never).
    public func setPluginValue(pluginID: String, key: String, value: Data?, expiresAt: Date?, now: Date) async throws {
        _ = try await applyPluginWrites(pluginID: pluginID, writes: [PluginDataWrite(key: key, change: .set(value, expiresAt: expiresAt))], now: now)
    }

    /// Replaces a plugin's value with `transform`'s answer for the current one (`nil` when absent
    /// or expired; answering `nil` removes it), atomically: no other write runs between the read
    /// and the write. A value that exists keeps its expiry, a new one gets `expiresAt`. A throw
    /// from `transform` changes nothing and is rethrown. Returns the new value.
    public func updatePluginValue(pluginID: String, key: String, expiresAt: Date?, now: Date,
                                  transform: @escaping @Sendable (Data?) throws -> Data?) async throws -> Data? {
        let write = PluginDataWrite(key: key, change: .update(expiresAtIfNew: expiresAt, transform: transform))
        return try await applyPluginWrites(pluginID: pluginID, writes: [write], now: now)[0]
    }
}
