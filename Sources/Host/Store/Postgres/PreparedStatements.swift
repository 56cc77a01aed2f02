import Foundation
import PostgresNIO

/// Named statements of the hot paths, prepared once per pooled connection (PostgresNIO parses a
/// statement on its first use on a connection and reuses it by name): the event append every
/// write ends with, and the plugin-data statements counters run. The other statements are bound
/// (`$n`) and parsed per call.
enum PreparedStatements {
    /// Hands out `count` event ids (under the counter's row lock); the row is the last one.
    struct AllocateEventIDs: PostgresPreparedStatement {
        static let sql = "UPDATE sanctum_event_counter SET last_id = last_id + $1 RETURNING last_id"
        let count: Int64
        func makeBindings() -> PostgresBindings { bindings(count) }
        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
    }

    /// The newest sequence number of a conversation's events (no row: none yet).
    struct LastSequence: PostgresPreparedStatement {
        static let sql = "SELECT seq FROM sanctum_events WHERE session_id = $1 ORDER BY id DESC LIMIT 1"
        let sessionID: String
        func makeBindings() -> PostgresBindings { bindings(sessionID) }
        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
    }

    /// Stores one event.
    struct InsertEvent: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO sanctum_events (id, site_id, session_id, seq, type, data, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
            """
        let id: Int64, siteID: String, sessionID: String, seq: Int64, type: String, data: String, createdAt: Double
        func makeBindings() -> PostgresBindings {
            var b = PostgresBindings(capacity: 7)
            b.append(id); b.append(siteID); b.append(sessionID); b.append(seq); b.append(type); b.append(data); b.append(createdAt)
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
    }

    /// Takes the transaction-level advisory lock of one plugin key.
    struct LockPluginKey: PostgresPreparedStatement {
        static let sql = "SELECT 1 FROM pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))"
        let pluginID: String, key: String
        func makeBindings() -> PostgresBindings { bindings(pluginID, key) }
        func decodeRow(_ row: PostgresRow) throws -> Bool { true }
    }

    /// A plugin's value and expiry, unless expired at `now` (Unix seconds).
    struct LivePluginValue: PostgresPreparedStatement {
        static let sql = """
            SELECT value, expires_at FROM sanctum_plugin_data
            WHERE plugin_id = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)
            """
        let pluginID: String, key: String, now: Double
        func makeBindings() -> PostgresBindings {
            var b = PostgresBindings(capacity: 3)
            b.append(pluginID); b.append(key); b.append(now)
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> (Data, Double?) { try row.decode((Data, Double?).self) }
    }

    /// Inserts or replaces a plugin's value.
    struct UpsertPluginValue: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO sanctum_plugin_data (plugin_id, key, value, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (plugin_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at
            RETURNING 1
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .text, .bytea, .text, .float8]
        let pluginID: String, key: String, value: Data, updatedAt: String, expiresAt: Double?
        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings(capacity: 5)
            b.append(pluginID); b.append(key); try b.append(value); b.append(updatedAt); b.append(expiresAt)
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> Bool { true }
    }
}

/// Bindings of text values, in order.
private func bindings(_ values: String...) -> PostgresBindings {
    var b = PostgresBindings(capacity: values.count)
    for value in values { b.append(value) }
    return b
}

/// Bindings of one integer.
private func bindings(_ value: Int64) -> PostgresBindings {
    var b = PostgresBindings(capacity: 1)
    b.append(value)
    return b
}

extension PostgresConnection {
    /// Runs a prepared statement (preparing it first on this connection if needed) and returns its rows.
    @discardableResult
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        for try await row in try await execute(statement, logger: Self.sanctumLogger) { rows.append(row) }
        return rows
    }
}
