import Crypto
import Foundation
import PostgresNIO
import SanctumServices

/// A copied value in the form PostgreSQL stores it: what the copy binds, and what the
/// verification digests on both sides (a SQLite value converted by its column's kind, and the
/// value read back from PostgreSQL, must serialize to the same bytes).
enum CanonicalValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])
    case bool(Bool)

    /// The PostgreSQL value of the SQLite `value` of a column of `column`'s kind.
    init(sqlite value: SQLValue, column: CopiedTables.Column) {
        if value == .null { self = column.nullBecomes ?? .null; return }
        switch column.kind {
        case .text: self = .text(value.text ?? "")
        case .integer:
            switch value {
            case .int(let i): self = .int(i)
            case .double(let d): self = .int(Int64(exactly: d.rounded(.towardZero)) ?? 0)
            default: self = .int(Int64(value.text ?? "") ?? 0)
            }
        case .real:
            switch value {
            case .double(let d): self = .double(d)
            case .int(let i): self = .double(Double(i))
            default: self = Double(value.text ?? "").map(CanonicalValue.double) ?? column.nullBecomes ?? .null
            }
        case .flag:
            switch value {
            case .int(let i): self = .bool(i != 0)
            case .double(let d): self = .bool(d != 0)
            default: self = .bool(value.text != "0")
            }
        case .utf8Bytes: self = .bytes(Array((value.text ?? "").utf8))
        case .base64Bytes:
            let text = value.text ?? ""
            self = .bytes(Data(base64Encoded: text).map(Array.init) ?? Array(text.utf8))
        case .jsonScalar: self = StoredScalar.text(of: value.json).map(CanonicalValue.text) ?? .null
        }
    }

    /// The value of a column of `kind` read back from PostgreSQL.
    init(postgres cell: PostgresCell, kind: CopiedTables.Kind) throws {
        switch kind {
        case .text, .jsonScalar: self = try cell.decode(String?.self).map(CanonicalValue.text) ?? .null
        case .integer: self = try cell.decode(Int64?.self).map(CanonicalValue.int) ?? .null
        case .real: self = try cell.decode(Double?.self).map(CanonicalValue.double) ?? .null
        case .flag: self = try cell.decode(Bool?.self).map(CanonicalValue.bool) ?? .null
        case .utf8Bytes, .base64Bytes: self = try cell.decode(Data?.self).map { .bytes(Array($0)) } ?? .null
        }
    }

    /// The SQL cast of a bound value of `kind` (so a NULL gets the column's type).
    static func cast(_ kind: CopiedTables.Kind) -> String {
        switch kind {
        case .text, .jsonScalar: "text"
        case .integer: "bigint"
        case .real: "double precision"
        case .flag: "boolean"
        case .utf8Bytes, .base64Bytes: "bytea"
        }
    }

    /// Appends the value to a statement's bindings.
    func bind(to bindings: inout PostgresBindings) throws {
        switch self {
        case .null: bindings.appendNull()
        case .int(let i): bindings.append(i)
        case .double(let d): bindings.append(d)
        case .text(let s): bindings.append(s)
        case .bytes(let b): try bindings.append(Data(b))
        case .bool(let b): bindings.append(b)
        }
    }

    /// The value's bytes in the digest: a type tag, a length, the content (doubles by bit pattern).
    func serialize(into buffer: inout [UInt8]) {
        func put(_ tag: UInt8, _ content: some Collection<UInt8>) {
            buffer.append(tag)
            withUnsafeBytes(of: UInt64(content.count).bigEndian) { buffer.append(contentsOf: $0) }
            buffer.append(contentsOf: content)
        }
        switch self {
        case .null: put(0, [])
        case .int(let i): withUnsafeBytes(of: i.bigEndian) { put(1, Array($0)) }
        case .double(let d): withUnsafeBytes(of: d.bitPattern.bigEndian) { put(2, Array($0)) }
        case .text(let s): put(3, Array(s.utf8))
        case .bytes(let b): put(4, b)
        case .bool(let b): put(5, [b ? 1 : 0])
        }
    }
}

/// A table's row count and SHA-256 over its rows serialized canonically, in primary-key order:
/// computed the same way from the SQLite snapshot and from what PostgreSQL holds.
struct TableDigest: @unchecked Sendable, Equatable {
    /// Rows digested.
    private(set) var rows: Int64 = 0
    private var hasher = SHA256()

    /// Adds one row.
    mutating func add(_ row: [CanonicalValue]) {
        var buffer: [UInt8] = []
        for value in row { value.serialize(into: &buffer) }
        hasher.update(data: buffer)
        rows += 1
    }

    /// The digest in hex (the rows added so far).
    var hex: String {
        hasher.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    static func == (a: TableDigest, b: TableDigest) -> Bool { a.rows == b.rows && a.hex == b.hex }
}
