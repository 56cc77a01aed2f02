import Foundation
import SanctumServices

/// A consistent view of a SQLite database that may be in use by a running server: one read
/// transaction held from the first read to ``close()`` (in WAL mode writers go on; a legacy
/// database in rollback mode makes them wait). Opened read-only in spirit (`query_only`): the
/// source is never changed, not even migrated — columns an older schema lacks read as their
/// defaults (``CopiedTables/Column/whenMissing``), missing tables as empty.
final class SQLiteSnapshot: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let lock = NSLock()
    /// The source's `PRAGMA user_version` (0 for a bridge database never opened by Sanctum).
    let schemaVersion: Int64

    /// Opens `path` (which must exist) and starts the read transaction.
    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw DatabaseCopyError("no SQLite database at \(path)") }
        connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA query_only=1; BEGIN")
        schemaVersion = try connection.scalar("PRAGMA user_version")?.int ?? 0
        guard schemaVersion <= Schema.currentVersion else {
            throw DatabaseCopyError("\(path) is at schema version \(schemaVersion), newer than this sanctum (\(Schema.currentVersion)); upgrade sanctum")
        }
        guard try connection.tableExists("web_chat_sessions") else {
            throw DatabaseCopyError("\(path) is not a Sanctum or Web Chat Bridge database (no web_chat_sessions table)")
        }
    }

    /// Ends the read transaction.
    func close() {
        lock.withLock { _ = try? connection.execute("COMMIT") }
    }

    /// Up to `limit` rows of `table` after the first `offset`, in primary-key order, each as the
    /// values PostgreSQL will hold.
    func rows(of table: CopiedTables.Table, offset: Int, limit: Int) throws -> [[CanonicalValue]] {
        try lock.withLock {
            guard try connection.tableExists(table.name) else { return [] }
            let present = try connection.columns(of: table.name)
            let select = table.columns.map { present.contains($0.name) ? $0.name : "\($0.whenMissing) AS \($0.name)" }.joined(separator: ", ")
            let sql = "SELECT \(select) FROM \(table.name) ORDER BY \(table.keyOrder) LIMIT ? OFFSET ?"
            return try connection.query(sql, [.int(Int64(limit)), .int(Int64(offset))]) { row in
                table.columns.indices.map { CanonicalValue(sqlite: row[$0], column: table.columns[$0]) }
            }
        }
    }

    /// The highest id `table`'s AUTOINCREMENT ever handed out (`sqlite_sequence`; ids of deleted
    /// rows included), or 0.
    func lastHandedOutID(of table: String) throws -> Int64 {
        try lock.withLock {
            guard try connection.tableExists("sqlite_sequence") else { return 0 }
            return try connection.scalar("SELECT seq FROM sqlite_sequence WHERE name = ?", [.text(table)])?.int ?? 0
        }
    }
}

/// Why a copy was refused or failed.
public struct DatabaseCopyError: Error, CustomStringConvertible {
    /// What went wrong, for the operator.
    public let description: String
    init(_ description: String) { self.description = description }
}
