import SanctumServices

/// The tables `sanctum migrate --from … --to …` copies from SQLite to PostgreSQL: every table
/// the two drivers share, with each column's kind, which says how a SQLite value becomes the
/// PostgreSQL value (``CanonicalValue``). Columns only the legacy bridge has (`broca_message_id`,
/// `system_config.description`) and its `rate_limits` table (limits live in memory now) are not
/// copied; the per-site counters are rebuilt by the target's triggers as rows arrive.
enum CopiedTables {
    /// How a column's SQLite value maps to PostgreSQL.
    enum Kind: Sendable {
        /// Text on both sides (numbers SQLite holds in a text column are rendered).
        case text
        /// `BIGINT`.
        case integer
        /// `DOUBLE PRECISION`.
        case real
        /// SQLite's 0/1 `processed` → `BOOLEAN` (0 is false, anything else true).
        case flag
        /// SQLite text → `BYTEA` holding its UTF-8 (message and reply texts).
        case utf8Bytes
        /// SQLite base64 text → `BYTEA` holding the decoded bytes (plugin values).
        case base64Bytes
        /// A typed SQLite scalar (a reply's `message_id`) → its JSON text, as the PostgreSQL driver stores it.
        case jsonScalar
    }

    /// One column: its name (the same on both sides), kind, what a NULL becomes when the
    /// PostgreSQL column is `NOT NULL`, and what a source lacking the column (an older legacy
    /// database) reads instead.
    struct Column: Sendable {
        let name: String
        let kind: Kind
        var nullBecomes: CanonicalValue? = nil
        var whenMissing = "NULL"
    }

    /// One table: its name, columns, primary key (the order rows are read and digested in on both
    /// sides) and the sequence of its `BIGSERIAL` id, if it has one.
    struct Table: Sendable {
        let name: String
        let columns: [Column]
        let primaryKey: [String]
        var hasSerialID = false

        /// The column list for SQL.
        var columnList: String { columns.map(\.name).joined(separator: ", ") }
        /// The `ORDER BY` both sides read rows in.
        var keyOrder: String { primaryKey.joined(separator: ", ") }
    }

    private static let requiredText = CanonicalValue.text("")
    private static let defaultSite = Column(name: "site_id", kind: .text, nullBecomes: .text(defaultSiteID), whenMissing: "'\(defaultSiteID)'")

    /// Every copied table, in copy order.
    static let all: [Table] = [
        Table(name: "web_chat_sessions", columns: [
            Column(name: "id", kind: .text, nullBecomes: requiredText), Column(name: "uid", kind: .text), defaultSite,
            Column(name: "created_at", kind: .text), Column(name: "last_active", kind: .text),
            Column(name: "ip_address", kind: .text), Column(name: "metadata", kind: .text),
        ], primaryKey: ["id"]),
        Table(name: "web_chat_messages", columns: [
            Column(name: "id", kind: .integer), Column(name: "session_id", kind: .text, nullBecomes: requiredText), defaultSite,
            Column(name: "message", kind: .utf8Bytes, nullBecomes: .bytes([])),
            Column(name: "timestamp", kind: .text, nullBecomes: requiredText),
            Column(name: "processed", kind: .flag, nullBecomes: .bool(true), whenMissing: "0"),
            Column(name: "delivered_at", kind: .text), Column(name: "lease_until", kind: .real),
            Column(name: "client_message_id", kind: .text), Column(name: "metadata", kind: .text),
        ], primaryKey: ["id"], hasSerialID: true),
        Table(name: "web_chat_responses", columns: [
            Column(name: "id", kind: .integer), Column(name: "session_id", kind: .text, nullBecomes: requiredText),
            Column(name: "response", kind: .utf8Bytes, nullBecomes: .bytes([])),
            Column(name: "timestamp", kind: .text, nullBecomes: requiredText), Column(name: "message_id", kind: .jsonScalar),
            Column(name: "client_response_id", kind: .text), Column(name: "metadata", kind: .text),
        ], primaryKey: ["id"], hasSerialID: true),
        Table(name: "sanctum_session_tombstones", columns: [
            Column(name: "id", kind: .text, nullBecomes: requiredText), Column(name: "uid", kind: .text), defaultSite,
            Column(name: "deleted_at", kind: .text, nullBecomes: requiredText),
        ], primaryKey: ["id"]),
        Table(name: "sanctum_read_state", columns: [
            Column(name: "session_id", kind: .text, nullBecomes: requiredText),
            Column(name: "agent_read_up_to", kind: .integer, nullBecomes: .int(0)),
            Column(name: "visitor_read_up_to", kind: .integer, nullBecomes: .int(0)),
        ], primaryKey: ["session_id"]),
        Table(name: "sanctum_events", columns: [
            Column(name: "id", kind: .integer), Column(name: "site_id", kind: .text, nullBecomes: requiredText),
            Column(name: "session_id", kind: .text, nullBecomes: requiredText), Column(name: "seq", kind: .integer, nullBecomes: .int(0)),
            Column(name: "type", kind: .text, nullBecomes: requiredText), Column(name: "data", kind: .text, nullBecomes: .text("{}")),
            Column(name: "created_at", kind: .real, nullBecomes: .double(0)),
        ], primaryKey: ["id"]),
        Table(name: "system_config", columns: [
            Column(name: "id", kind: .integer), Column(name: "config_key", kind: .text, nullBecomes: requiredText),
            Column(name: "config_value", kind: .text), Column(name: "created_at", kind: .text), Column(name: "updated_at", kind: .text),
        ], primaryKey: ["id"], hasSerialID: true),
        Table(name: "sanctum_sites", columns: [
            Column(name: "id", kind: .text, nullBecomes: requiredText), Column(name: "agent_key_hash", kind: .text, nullBecomes: requiredText),
            Column(name: "created_at", kind: .text, nullBecomes: requiredText), Column(name: "updated_at", kind: .text, nullBecomes: requiredText),
        ], primaryKey: ["id"]),
        Table(name: "sanctum_plugin_data", columns: [
            Column(name: "plugin_id", kind: .text, nullBecomes: requiredText), Column(name: "key", kind: .text, nullBecomes: requiredText),
            Column(name: "value", kind: .base64Bytes, nullBecomes: .bytes([])),
            Column(name: "updated_at", kind: .text, nullBecomes: requiredText), Column(name: "expires_at", kind: .real),
        ], primaryKey: ["plugin_id", "key"]),
        Table(name: "sanctum_verified_users", columns: [
            Column(name: "site_id", kind: .text, nullBecomes: requiredText), Column(name: "user_id", kind: .text, nullBecomes: requiredText),
            Column(name: "session_id", kind: .text, nullBecomes: requiredText), Column(name: "name", kind: .text),
            Column(name: "email", kind: .text), Column(name: "verified_at", kind: .text, nullBecomes: requiredText),
        ], primaryKey: ["site_id", "user_id"]),
    ]

    /// The per-site counter tables the target's triggers rebuild (emptied with the data on `--force`).
    static let counters = ["sanctum_pending_counts", "sanctum_session_counts"]
}
