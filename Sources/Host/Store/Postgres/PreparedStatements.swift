import Foundation
import PostgresNIO

/// Named statements of the hot paths, prepared once per pooled connection (PostgresNIO parses a
/// statement on its first use on a connection and reuses it by name): the event append every
/// write ends with, and the plugin-data statements counters run. The other statements are bound
/// (`$n`) and parsed per call.
enum PreparedStatements {
    /// Queues a write's events, in order (`sanctum_event_queue`, migration 7): after the commit
    /// the ``EventSequencer`` numbers them, moves them into the log and notifies every instance.
    struct QueueEvents: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO sanctum_event_queue (site_id, session_id, type, data, created_at)
            SELECT site, session, type, data, created FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[])
                WITH ORDINALITY AS d(site, session, type, data, created, n) ORDER BY n
            """
        static let bindingDataTypes: [PostgresDataType] = [.textArray, .textArray, .textArray, .textArray, .float8Array]
        let drafts: [EventDraft]
        init(_ drafts: [EventDraft]) { self.drafts = drafts }
        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings(capacity: 5)
            b.append(drafts.map(\.siteID))
            b.append(drafts.map(\.sessionID))
            b.append(drafts.map(\.type))
            b.append(drafts.map(\.data.compactText))
            b.append(drafts.map(\.now.timeIntervalSince1970))
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> Bool { true }
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

/// The SQL of a ``Prepared`` statement: one type per statement, whose name names it on each
/// connection. Every `$n` carries a cast, so its type never depends on the first call's values.
protocol PreparedSQL {
    /// The statement.
    static var sql: String { get }
}

/// A statement prepared once per pooled connection (PostgreSQL plans it once, instead of per
/// call) with the SQL of `SQL` and the values of one call; rows come back as they are.
struct Prepared<SQL: PreparedSQL>: PostgresPreparedStatement {
    static var sql: String { SQL.sql }
    /// A name from the SQL's FNV-1a hash: the type's own name is longer than PostgreSQL keeps
    /// of a name (63 bytes), and two statements whose names share those bytes would collide.
    static var name: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in SQL.sql.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return "sanctum_" + String(hash, radix: 16)
    }
    private let bindings: PostgresBindings

    /// The statement with the values `bind` appends bound to $1, $2, … in order.
    init(_ bind: (inout PostgresBindings) -> Void) {
        var bindings = PostgresBindings()
        bind(&bindings)
        self.bindings = bindings
    }

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }

    /// The statement as a plain query (`EXPLAIN` in the plan tests).
    var query: PostgresQuery { PostgresQuery(unsafeSQL: SQL.sql, binds: bindings) }
}

/// A ``Prepared`` statement whichever its SQL: for code that picks one of several statements.
protocol PreparedQuery: Sendable {
    /// Runs it on `c` and returns its rows.
    func rows(on c: PostgresConnection) async throws -> [PostgresRow]
    /// The statement as a plain query (`EXPLAIN` in the plan tests).
    var query: PostgresQuery { get }
}

extension Prepared: PreparedQuery {
    func rows(on c: PostgresConnection) async throws -> [PostgresRow] { try await c.run(self) }
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
