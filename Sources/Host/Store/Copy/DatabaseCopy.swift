import Foundation
import Logging
import PostgresNIO
import SanctumServices

/// Moves a deployment from SQLite to PostgreSQL (`sanctum migrate --from FILE --to postgres://…`):
/// copies every shared table from one consistent snapshot of the SQLite file (which a running
/// server may be writing), keeping ids and per-conversation sequences, in one PostgreSQL
/// transaction; moves the id sequences and the event counter past the copied ids; then reads the
/// target back and compares each table's row count and digest with the source's.
public enum DatabaseCopy {
    /// One table's outcome: rows and digest on each side.
    public struct TableResult: Sendable {
        /// The table.
        public let table: String
        /// Rows read from the SQLite snapshot.
        public let sourceRows: Int64
        /// Rows PostgreSQL holds after the copy.
        public let targetRows: Int64
        /// SHA-256 (hex) of the source's rows, serialized canonically in primary-key order.
        public let sourceDigest: String
        /// The same digest computed over the target's rows.
        public let targetDigest: String
        /// Whether counts and digests agree.
        public var matches: Bool { sourceRows == targetRows && sourceDigest == targetDigest }
    }

    /// What a copy did, table by table.
    public struct Report: Sendable {
        /// The source's schema version (0: a bridge database Sanctum never opened).
        public let sourceSchemaVersion: Int64
        /// One result per copied table, in copy order.
        public let tables: [TableResult]
        /// Whether every table verified.
        public var verified: Bool { tables.allSatisfy(\.matches) }

        /// The verification as a text table (digests shortened to 16 hex digits).
        public var rendered: String {
            var lines = ["| table | rows in SQLite | rows in PostgreSQL | SHA-256 SQLite | SHA-256 PostgreSQL | |", "|---|---:|---:|---|---|---|"]
            for t in tables {
                lines.append("| \(t.table) | \(t.sourceRows) | \(t.targetRows) | \(t.sourceDigest.prefix(16)) | \(t.targetDigest.prefix(16)) | \(t.matches ? "ok" : "MISMATCH") |")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Copies the SQLite database at `sqlitePath` into the PostgreSQL database at `url` (its schema
    /// migrated first) and verifies the copy. Refuses a target holding any copied row unless
    /// `force`, which empties those tables first (in the same transaction as the copy).
    public static func run(from sqlitePath: String, to url: PostgresURL, force: Bool = false,
                           logger: Logger = Logger(label: "sanctum.migrate")) async throws -> Report {
        let snapshot = try SQLiteSnapshot(path: sqlitePath)
        defer { snapshot.close() }
        let store = try await PostgresChatStore(url: url, logger: logger)
        defer { store.close() }
        let sourceDigests = try await store.database.write { c in
            let occupied = try await PostgresCopyTarget.nonEmptyTables(c)
            if !occupied.isEmpty {
                guard force else {
                    throw DatabaseCopyError("\(url) already holds data (\(occupied.joined(separator: ", "))); copy into an empty database, or pass --force to replace it")
                }
                try await PostgresCopyTarget.empty(c)
            }
            return try await copyTables(from: snapshot, on: c)
        }
        let targetDigests = try await digests(of: store)
        let tables = CopiedTables.all.map { table in
            let source = sourceDigests[table.name] ?? TableDigest(), target = targetDigests[table.name] ?? TableDigest()
            return TableResult(table: table.name, sourceRows: source.rows, targetRows: target.rows, sourceDigest: source.hex, targetDigest: target.hex)
        }
        return Report(sourceSchemaVersion: snapshot.schemaVersion, tables: tables)
    }

    /// Copies every table in batches inside the caller's transaction; returns the source's digests.
    private static func copyTables(from snapshot: SQLiteSnapshot, on c: PostgresConnection) async throws -> [String: TableDigest] {
        var digests: [String: TableDigest] = [:]
        for table in CopiedTables.all {
            var digest = TableDigest()
            var offset = 0
            while true {
                let rows = try snapshot.rows(of: table, offset: offset, limit: PostgresCopyTarget.batchSize)
                for row in rows { digest.add(row) }
                try await PostgresCopyTarget.insert(rows, into: table, on: c)
                guard rows.count == PostgresCopyTarget.batchSize else { break }
                offset += rows.count
            }
            digests[table.name] = digest
            if table.hasSerialID {
                try await PostgresCopyTarget.advanceSequence(of: table, past: try snapshot.lastHandedOutID(of: table.name), on: c)
            }
        }
        try await PostgresCopyTarget.advanceEventCounter(past: try snapshot.lastHandedOutID(of: "sanctum_events"), on: c)
        return digests
    }

    /// Every copied table's count and digest as `store`'s database holds them now.
    static func digests(of store: PostgresChatStore) async throws -> [String: TableDigest] {
        try await store.database.read { c in
            var digests: [String: TableDigest] = [:]
            for table in CopiedTables.all { digests[table.name] = try await PostgresCopyTarget.digest(of: table, on: c) }
            return digests
        }
    }
}
