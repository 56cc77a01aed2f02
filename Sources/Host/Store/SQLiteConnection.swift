import CSQLite
import SanctumServices
import Foundation

/// A value bound to or read from SQLite.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    /// The text payload (numbers rendered), or `nil` for NULL.
    var text: String? {
        switch self {
        case .null: nil
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .text(let s): s
        }
    }

    /// The integer payload, or `nil` when this is not an integer.
    var int: Int64? {
        if case .int(let i) = self { return i }
        return nil
    }
}

extension SQLValue {
    /// The JSON form of a stored value.
    var json: JSON {
        switch self {
        case .null: .null
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .text(let s): .string(s)
        }
    }

    /// The stored form of a scalar JSON value (`true`/`false` as 1/0; containers are not stored).
    init(json: JSON) {
        switch json {
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .text(s)
        case .bool(let b): self = .int(b ? 1 : 0)
        default: self = .null
        }
    }
}

/// An error reported by SQLite, with its result code and message.
public struct SQLiteError: Error, CustomStringConvertible {
    /// The primary SQLite result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, …).
    public let code: Int32
    /// SQLite's message, plus the statement when there was one.
    public let message: String
    public var description: String { "SQLite error \(code): \(message)" }
    /// Whether this is a constraint violation (UNIQUE, NOT NULL, …).
    public var isConstraint: Bool { code & 0xFF == SQLITE_CONSTRAINT }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection with a prepared-statement cache.
///
/// Not thread-safe: the ``Database`` hands each connection to one thread at a time, which is
/// why the type is `@unchecked Sendable` (it moves between threads, it is never shared).
public final class SQLiteConnection: @unchecked Sendable {
    let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    /// Work to run once the current transaction has committed, in order (see ``afterCommit(_:)``).
    var commitActions: [@Sendable () -> Void] = []

    /// Runs `action` after the transaction that is open now commits (never if it rolls back).
    /// The writer runs these on its own thread, in commit order, before answering the writes.
    func afterCommit(_ action: @escaping @Sendable () -> Void) {
        commitActions.append(action)
    }

    /// Opens (creating if needed) the database at `path`.
    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            sqlite3_close(db)
            throw SQLiteError(code: rc, message: message)
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without results (schema changes, pragmas, BEGIN/COMMIT).
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "error"
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: "\(message) in: \(sql.prefix(120))")
        }
    }

    /// Runs a statement and maps every result row with `row`.
    func query<T>(_ sql: String, _ bindings: [SQLValue] = [], row: (Row) throws -> T) throws -> [T] {
        let statement = try prepared(sql, bindings)
        defer { sqlite3_reset(statement); sqlite3_clear_bindings(statement) }
        var results: [T] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return results }
            guard rc == SQLITE_ROW else { throw error(rc, sql) }
            results.append(try row(Row(statement: statement)))
        }
    }

    /// The first column of the first row, or `nil` when there is no row.
    func scalar(_ sql: String, _ bindings: [SQLValue] = []) throws -> SQLValue? {
        try query(sql, bindings) { $0[0] }.first
    }

    /// Runs a statement without results; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue] = []) throws -> Int {
        let statement = try prepared(sql, bindings)
        defer { sqlite3_reset(statement); sqlite3_clear_bindings(statement) }
        let rc = sqlite3_step(statement)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw error(rc, sql) }
        return Int(sqlite3_changes(handle))
    }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Whether a table or view with this name exists.
    func tableExists(_ name: String) throws -> Bool {
        try scalar("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?", [.text(name)]) != nil
    }

    /// The column names of a table.
    func columns(of table: String) throws -> Set<String> {
        Set(try query("SELECT name FROM pragma_table_info(?)", [.text(table)]) { $0.text(0) ?? "" })
    }

    private func prepared(_ sql: String, _ bindings: [SQLValue]) throws -> OpaquePointer {
        let statement: OpaquePointer
        if let cached = statements[sql] {
            statement = cached
        } else {
            var s: OpaquePointer?
            let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
            guard rc == SQLITE_OK, let s else { throw error(rc, sql) }
            statements[sql] = s
            statement = s
        }
        for (index, value) in bindings.enumerated() {
            let position = Int32(index + 1)
            let rc: Int32 = switch value {
            case .null: sqlite3_bind_null(statement, position)
            case .int(let i): sqlite3_bind_int64(statement, position, i)
            case .double(let d): sqlite3_bind_double(statement, position, d)
            // The byte length is given, never -1: text with NUL characters is stored whole.
            // (withCString borrows a native string's own storage: no copy.)
            case .text(let t): t.withCString { sqlite3_bind_text(statement, position, $0, Int32(t.utf8.count), transient) }
            }
            guard rc == SQLITE_OK else { throw error(rc, sql) }
        }
        return statement
    }

    private func error(_ rc: Int32, _ sql: String) -> SQLiteError {
        SQLiteError(code: rc, message: "\(String(cString: sqlite3_errmsg(handle))) in: \(sql.prefix(120))")
    }
}

/// A result row; valid only inside the `row` closure of ``SQLiteConnection/query(_:_:row:)``.
struct Row {
    let statement: OpaquePointer

    /// The value of column `index`, typed as SQLite stored it.
    subscript(index: Int) -> SQLValue {
        let i = Int32(index)
        switch sqlite3_column_type(statement, i) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(statement, i))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(statement, i))
        case SQLITE_NULL: return .null
        default:
            // Read by length, not up to the first NUL, so stored text comes back whole.
            let count = Int(sqlite3_column_bytes(statement, i))
            guard count > 0, let bytes = sqlite3_column_text(statement, i) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        }
    }

    /// Column `index` as text, or `nil` for NULL.
    func text(_ index: Int) -> String? { self[index].text }

    /// Column `index` as an integer (0 for NULL or non-numeric text).
    func int(_ index: Int) -> Int64 { sqlite3_column_int64(statement, Int32(index)) }

    /// Column `index` as an integer, or `nil` for NULL.
    func optionalInt(_ index: Int) -> Int64? {
        sqlite3_column_type(statement, Int32(index)) == SQLITE_NULL ? nil : int(index)
    }

    /// Column `index` as a real number, or `nil` for NULL.
    func double(_ index: Int) -> Double? {
        sqlite3_column_type(statement, Int32(index)) == SQLITE_NULL ? nil : sqlite3_column_double(statement, Int32(index))
    }
}
