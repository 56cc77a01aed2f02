import Foundation
import PostgresNIO
import SanctumServices

/// Plugins' key-value data (`BYTEA` values, expiry in Unix seconds).
///
/// Every write of a key first takes a transaction-level advisory lock on the key (hashed with
/// its plugin id), so a read-modify-write (``applyPluginWrites(pluginID:writes:now:)``,
/// which counters use) never interleaves with another write of the same key — from this
/// instance or any other on the database — even while the key does not exist yet.
extension PostgresChatStore {
    public func pluginValue(pluginID: String, key: String, now: Date) async throws -> Data? {
        try await database.read { c in try await Self.livePluginValue(c, pluginID: pluginID, key: key, now: now)?.value }
    }

    /// Locks the batch's keys in byte order (so two batches never wait on each other in a
    /// circle), then applies the writes in the given order.
    public func applyPluginWrites(pluginID: String, writes: [PluginDataWrite], now: Date) async throws -> [Data?] {
        try await database.write { c in
            for key in Set(writes.map(\.key)).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                try await Self.lockPluginKey(c, pluginID: pluginID, key: key)
            }
            try await Self.purgeExpiredPluginValues(c, pluginID: pluginID, now: now)
            var results: [Data?] = []
            for write in writes {
                var current: (value: Data, expiresAt: Date?)?
                if case .update = write.change { current = try await Self.livePluginValue(c, pluginID: pluginID, key: write.key, now: now) }
                let new = try write.apply(to: current)
                try await Self.writePluginValue(c, pluginID: pluginID, key: write.key, value: new?.value, expiresAt: new?.expiresAt, now: now)
                results.append(new?.value)
            }
            return results
        }
    }

    public func pluginValues(keyContaining needle: String, now: Date, limit: Int) async throws -> [StoredPluginValue] {
        try await database.read { c in
            try await c.rows("""
                SELECT plugin_id, key, value FROM sanctum_plugin_data WHERE strpos(key, \(needle)) > 0
                AND (expires_at IS NULL OR expires_at > \(now.timeIntervalSince1970)) ORDER BY plugin_id, key COLLATE "C" LIMIT \(limit)
                """).map { row in
                let (pluginID, key, value) = try row.decode((String, String, Data).self)
                return StoredPluginValue(pluginID: pluginID, key: key, value: value)
            }
        }
    }

    public func pluginKeys(pluginID: String, prefix: String, now: Date) async throws -> [String] {
        try await database.read { c in
            try await c.rows("""
                SELECT key FROM sanctum_plugin_data WHERE plugin_id = \(pluginID) AND starts_with(key, \(prefix))
                AND (expires_at IS NULL OR expires_at > \(now.timeIntervalSince1970)) ORDER BY key
                """).map { try $0.decode(String.self) }
        }
    }

    public func purgeExpiredPluginValues(now: Date) async throws -> Int {
        try await database.write { c in
            try await c.rows("DELETE FROM sanctum_plugin_data WHERE expires_at IS NOT NULL AND expires_at <= \(now.timeIntervalSince1970) RETURNING 1").count
        }
    }

    /// Holds the key's advisory lock until the transaction ends.
    private static func lockPluginKey(_ c: PostgresConnection, pluginID: String, key: String) async throws {
        try await c.run(PreparedStatements.LockPluginKey(pluginID: pluginID, key: key))
    }

    /// A plugin's value and expiry, unless it has expired at `now`.
    private static func livePluginValue(_ c: PostgresConnection, pluginID: String, key: String, now: Date) async throws -> (value: Data, expiresAt: Date?)? {
        guard let row = try await c.run(PreparedStatements.LivePluginValue(pluginID: pluginID, key: key, now: now.timeIntervalSince1970)).first
        else { return nil }
        return (row.0, row.1.map(Date.init(timeIntervalSince1970:)))
    }

    private static func writePluginValue(_ c: PostgresConnection, pluginID: String, key: String, value: Data?, expiresAt: Date?, now: Date) async throws {
        guard let value else {
            try await c.rows("DELETE FROM sanctum_plugin_data WHERE plugin_id = \(pluginID) AND key = \(key)")
            return
        }
        try await c.run(PreparedStatements.UpsertPluginValue(pluginID: pluginID, key: key, value: value, updatedAt: Timestamps.database(now),
                                                             expiresAt: expiresAt?.timeIntervalSince1970))
    }

    /// Deletes the plugin's expired values (every write of a plugin does, so they never pile up);
    /// rows another transaction holds are left for a later write.
    private static func purgeExpiredPluginValues(_ c: PostgresConnection, pluginID: String, now: Date) async throws {
        try await c.rows("""
            DELETE FROM sanctum_plugin_data WHERE (plugin_id, key) IN (
                SELECT plugin_id, key FROM sanctum_plugin_data
                WHERE plugin_id = \(pluginID) AND expires_at IS NOT NULL AND expires_at <= \(now.timeIntervalSince1970)
                FOR UPDATE SKIP LOCKED)
            """)
    }
}
