import Foundation
import PostgresNIO
import SanctumServices

/// The PostgreSQL side of a copy: the emptiness check, batched inserts that keep the ids,
/// sequences and the event counter moved past the copied ids, and reading tables back for the
/// verification. Table and column names come from ``CopiedTables`` (constants); every value is bound.
enum PostgresCopyTarget {
    /// Rows per `INSERT` (PostgreSQL takes at most 65,535 bound values per statement).
    static let batchSize = 500

    /// The copied tables that hold rows (a fresh database holds none; the event counter and the
    /// event queue count too).
    static func nonEmptyTables(_ c: PostgresConnection) async throws -> [String] {
        var found: [String] = []
        for table in CopiedTables.all {
            let occupied = try await c.value(PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(table.name))"), as: Bool.self)
            if occupied == true { found.append(table.name) }
        }
        let lastEventID = try await c.value("SELECT last_id FROM sanctum_event_counter", as: Int64.self) ?? 0
        if lastEventID > 0, !found.contains("sanctum_events") {
            found.append("sanctum_event_counter")
        }
        if try await c.value("SELECT EXISTS (SELECT 1 FROM sanctum_event_queue)", as: Bool.self) == true {
            found.append("sanctum_event_queue")
        }
        return found
    }

    /// Empties every copied table, the counters and the event queue (`--force`), inside the copy's
    /// transaction; the event counter's lock first (``EventLog/lockCounter(on:)``): the copy's own
    /// store may be running the sequencer, and `TRUNCATE` locking the log's tables one after the
    /// other could otherwise deadlock with a run.
    static func empty(_ c: PostgresConnection) async throws {
        try await EventLog.lockCounter(on: c)
        let tables = (CopiedTables.all.map(\.name) + CopiedTables.counters + ["sanctum_event_queue"]).joined(separator: ", ")
        try await c.rows(PostgresQuery(unsafeSQL: "TRUNCATE \(tables) RESTART IDENTITY"))
        try await c.rows("UPDATE sanctum_event_counter SET last_id = 0")
    }

    /// Inserts `rows` into `table` as they are (ids included).
    static func insert(_ rows: [[CanonicalValue]], into table: CopiedTables.Table, on c: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        var bindings = PostgresBindings(capacity: rows.count * table.columns.count)
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        for row in rows {
            let placeholders = try zip(row, table.columns).map { value, column in
                try value.bind(to: &bindings)
                return "$\(bindings.count)::\(CanonicalValue.cast(column.kind))"
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let sql = "INSERT INTO \(table.name) (\(table.columnList)) VALUES " + tuples.joined(separator: ", ")
        try await c.rows(PostgresQuery(unsafeSQL: sql, binds: bindings))
    }

    /// Moves `table`'s id sequence so its next id follows `lastID` (and any id already in the table).
    static func advanceSequence(of table: CopiedTables.Table, past lastID: Int64, on c: PostgresConnection) async throws {
        let next = try await c.value(PostgresQuery(unsafeSQL: "SELECT COALESCE(MAX(id), 0)::bigint FROM \(table.name)"), as: Int64.self) ?? 0
        let last = max(lastID, next)
        try await c.rows("SELECT setval(pg_get_serial_sequence(\(table.name), 'id'), \(max(last, 1)), \(last > 0))")
    }

    /// Sets the event counter to the last event id the source handed out, so ids go on from there.
    static func advanceEventCounter(past lastID: Int64, on c: PostgresConnection) async throws {
        try await c.rows("""
            UPDATE sanctum_event_counter SET last_id = GREATEST(last_id, \(lastID), (SELECT COALESCE(MAX(id), 0)::bigint FROM sanctum_events))
            """)
    }

    /// Digests `table` as PostgreSQL holds it, in primary-key order (C collation, like SQLite's
    /// binary order), paged so that a large table is never held in memory.
    static func digest(of table: CopiedTables.Table, on c: PostgresConnection) async throws -> TableDigest {
        var digest = TableDigest()
        var offset: Int64 = 0
        while true {
            let rows = try await c.rows(PostgresQuery(unsafeSQL: """
                SELECT \(table.columnList) FROM \(table.name) ORDER BY \(table.keyOrder) LIMIT \(batchSize * 4) OFFSET \(offset)
                """))
            for row in rows {
                let cells = row.makeRandomAccess()
                digest.add(try table.columns.indices.map { try CanonicalValue(postgres: cells[$0], kind: table.columns[$0].kind) })
            }
            guard rows.count == batchSize * 4 else { return digest }
            offset += Int64(rows.count)
        }
    }
}
