import Foundation
import PluginAPI

/// ``PluginStorage`` in memory, for tests: the twin of the server's database-backed storage,
/// with the same semantics (key limit, atomic ``update(_:expiresAfter:_:)``, expiry on an
/// injected clock).
///
/// ``MockHost/allowStorage(_:)`` makes one on the host's clock, so `host.advance(by:)` expires
/// values exactly as the server's clock does.
public actor InMemoryPluginStorage: PluginStorage {
    private struct Entry {
        var value: Data
        var expiresAt: Date?
    }
    private var entries: [String: Entry] = [:]
    private let clock: @Sendable () -> Date

    /// An empty store whose expiry is measured on `now` (the wall clock by default).
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        clock = now
    }

    /// The value of `key`, or `nil` (absent or expired).
    public func value(for key: String) -> Data? { live(key, at: clock())?.value }

    /// Stores `value` under `key` without expiry; keys over 256 bytes throw.
    public func set(_ value: Data, for key: String) throws {
        try PluginStorageLimits.check(key: key)
        entries[key] = Entry(value: value, expiresAt: nil)
    }

    /// Stores `value` under `key` until `timeToLive` has passed on the clock.
    public func set(_ value: Data, for key: String, expiresAfter timeToLive: Duration) throws {
        try PluginStorageLimits.check(key: key)
        entries[key] = Entry(value: value, expiresAt: try PluginStorageLimits.expiry(after: timeToLive, from: clock()))
    }

    /// Removes `key`.
    public func remove(_ key: String) { entries[key] = nil }

    /// Unexpired keys starting with `prefix`, sorted by their UTF-8 bytes.
    public func keys(prefix: String) -> [String] {
        let now = clock()
        return entries.keys.filter { $0.utf8.starts(with: prefix.utf8) && live($0, at: now) != nil }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Replaces the value of `key` with `transform`'s answer; the actor runs it without a
    /// suspension point, so no other call interleaves.
    @discardableResult
    public func update(_ key: String, expiresAfter timeToLive: Duration?,
                       _ transform: @escaping @Sendable (Data?) throws -> Data?) throws -> Data? {
        try PluginStorageLimits.check(key: key)
        let now = clock()
        let expiryIfNew = try timeToLive.map { try PluginStorageLimits.expiry(after: $0, from: now) }
        let current = live(key, at: now)
        let expiresAt = current.map(\.expiresAt) ?? expiryIfNew
        guard let new = try transform(current?.value) else {
            entries[key] = nil
            return nil
        }
        entries[key] = Entry(value: new, expiresAt: expiresAt)
        return new
    }

    /// Runs `writes` in order, all or nothing: the actor applies them to a copy without a
    /// suspension point and keeps the copy only when every write succeeded.
    @discardableResult
    public func apply(_ writes: [PluginStorageWrite]) throws -> [Data?] {
        let now = clock()
        var copy = entries
        let results = try writes.map { write -> Data? in
            try PluginStorageLimits.check(key: write.key)
            let current = live(write.key, at: now, in: copy)
            switch write.change {
            case .set(let value, let timeToLive):
                copy[write.key] = Entry(value: value, expiresAt: try timeToLive.map { try PluginStorageLimits.expiry(after: $0, from: now) })
                return value
            case .remove:
                copy[write.key] = nil
                return nil
            case .update(let timeToLive, let transform):
                let expiryIfNew = try timeToLive.map { try PluginStorageLimits.expiry(after: $0, from: now) }
                let new = try transform(current?.value)
                copy[write.key] = new.map { Entry(value: $0, expiresAt: current.map(\.expiresAt) ?? expiryIfNew) }
                return new
            }
        }
        entries = copy
        return results
    }

    /// The entry of `key`, or `nil` when it is absent or expired at `now`.
    private func live(_ key: String, at now: Date, in entries: [String: Entry]? = nil) -> Entry? {
        guard let entry = (entries ?? self.entries)[key] else { return nil }
        if let expiresAt = entry.expiresAt, expiresAt <= now { return nil }
        return entry
    }
}
