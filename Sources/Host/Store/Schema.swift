/// The database schema: the legacy bridge tables (kept readable by the original's tools) plus
/// Sanctum's additions, versioned with `PRAGMA user_version` and migrated forward in place.
enum Schema {
    /// The schema version this build writes.
    static let currentVersion: Int64 = 7

    /// The legacy tables exactly as the original's `db/init_database.sql` defines them
    /// (BRIDGE-API.md §3.1), minus its seeded default keys.
    static let legacyTables = """
        CREATE TABLE IF NOT EXISTS web_chat_sessions (
            id VARCHAR(64) PRIMARY KEY,
            uid VARCHAR(16) UNIQUE,
            created_at TEXT DEFAULT CURRENT_TIMESTAMP,
            last_active TEXT DEFAULT CURRENT_TIMESTAMP,
            ip_address VARCHAR(45),
            metadata TEXT
        );
        CREATE TABLE IF NOT EXISTS web_chat_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id VARCHAR(64),
            message TEXT,
            timestamp TEXT DEFAULT CURRENT_TIMESTAMP,
            processed INTEGER DEFAULT 0,
            broca_message_id INTEGER NULL,
            FOREIGN KEY (session_id) REFERENCES web_chat_sessions(id)
        );
        CREATE TABLE IF NOT EXISTS web_chat_responses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id VARCHAR(64),
            response TEXT,
            timestamp TEXT DEFAULT CURRENT_TIMESTAMP,
            message_id INTEGER NULL,
            FOREIGN KEY (session_id) REFERENCES web_chat_sessions(id),
            FOREIGN KEY (message_id) REFERENCES web_chat_messages(id)
        );
        CREATE TABLE IF NOT EXISTS rate_limits (
            ip_address VARCHAR(45),
            endpoint VARCHAR(50),
            count INTEGER DEFAULT 1,
            window_start TEXT,
            PRIMARY KEY (ip_address, endpoint)
        );
        CREATE TABLE IF NOT EXISTS system_config (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            config_key TEXT UNIQUE NOT NULL,
            config_value TEXT NOT NULL,
            description TEXT,
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
            updated_at DATETIME DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX IF NOT EXISTS idx_messages_session_id ON web_chat_messages(session_id);
        CREATE INDEX IF NOT EXISTS idx_messages_processed ON web_chat_messages(processed);
        CREATE INDEX IF NOT EXISTS idx_responses_session_id ON web_chat_responses(session_id);
        CREATE INDEX IF NOT EXISTS idx_rate_limits_window ON rate_limits(window_start);
        CREATE INDEX IF NOT EXISTS idx_sessions_uid ON web_chat_sessions(uid);
        CREATE INDEX IF NOT EXISTS idx_sessions_ip ON web_chat_sessions(ip_address);
        """

    /// Columns the legacy tables must have for the bridge SQL to work; a database made by one of
    /// the original's incompatible generators lacks some and is refused with a clear message.
    static let requiredColumns: [String: Set<String>] = [
        "web_chat_sessions": ["id", "uid", "created_at", "last_active", "ip_address", "metadata"],
        "web_chat_messages": ["id", "session_id", "message", "timestamp", "processed"],
        "web_chat_responses": ["id", "session_id", "response", "timestamp", "message_id"],
        "system_config": ["config_key", "config_value"],
    ]

    /// Brings the database at `connection` to ``currentVersion``. Runs inside the caller's
    /// transaction (``Database/write(_:)``), so a failed migration changes nothing.
    /// Returns the version it found.
    @discardableResult
    static func migrate(_ connection: SQLiteConnection) throws -> Int64 {
        let found = try connection.scalar("PRAGMA user_version")?.int ?? 0
        guard found < currentVersion else {
            if found > currentVersion {
                throw SQLiteError(code: 1, message: "database schema version \(found) is newer than this sanctum (\(currentVersion)); upgrade sanctum")
            }
            return found
        }
        try connection.execute(legacyTables)
        for (table, required) in requiredColumns {
            let missing = required.subtracting(try connection.columns(of: table))
            guard missing.isEmpty else {
                throw SQLiteError(code: 1, message: "table \(table) lacks columns \(missing.sorted()); this is not a Web Chat Bridge database made by db/init_database.sql")
            }
        }
        if found < 1 { try migrateToVersion1(connection) }
        if found < 2 { try migrateToVersion2(connection) }
        if found < 3 { try migrateToVersion3(connection) }
        if found < 4 { try migrateToVersion4(connection) }
        if found < 5 { try migrateToVersion5(connection) }
        if found < 6 { try migrateToVersion6(connection) }
        if found < 7 { try migrateToVersion7(connection) }
        try connection.execute("PRAGMA user_version = \(currentVersion)")
        return found
    }

    private static func migrateToVersion1(_ c: SQLiteConnection) throws {
        let messageColumns = try c.columns(of: "web_chat_messages")
        if !messageColumns.contains("delivered_at") {
            try c.execute("ALTER TABLE web_chat_messages ADD COLUMN delivered_at TEXT")
        }
        if !messageColumns.contains("client_message_id") {
            try c.execute("ALTER TABLE web_chat_messages ADD COLUMN client_message_id TEXT")
        }
        try c.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS sanctum_messages_client_id
                ON web_chat_messages(session_id, client_message_id) WHERE client_message_id IS NOT NULL;
            CREATE INDEX IF NOT EXISTS sanctum_responses_session ON web_chat_responses(session_id, id);
            CREATE INDEX IF NOT EXISTS sanctum_sessions_last_active ON web_chat_sessions(last_active);
            CREATE TABLE IF NOT EXISTS sanctum_session_tombstones (
                id TEXT PRIMARY KEY,
                uid TEXT,
                deleted_at TEXT NOT NULL
            );
            """)
    }

    /// Sites: every session and message belongs to one (`default` for the legacy single site; the
    /// message copy lets the inbox use one index); per-site agent keys are stored hashed; plugins
    /// get a namespaced key-value table.
    private static func migrateToVersion2(_ c: SQLiteConnection) throws {
        if !(try c.columns(of: "web_chat_sessions")).contains("site_id") {
            try c.execute("ALTER TABLE web_chat_sessions ADD COLUMN site_id TEXT NOT NULL DEFAULT 'default'")
        }
        if !(try c.columns(of: "web_chat_messages")).contains("site_id") {
            try c.execute("ALTER TABLE web_chat_messages ADD COLUMN site_id TEXT NOT NULL DEFAULT 'default'")
        }
        if !(try c.columns(of: "sanctum_session_tombstones")).contains("site_id") {
            try c.execute("ALTER TABLE sanctum_session_tombstones ADD COLUMN site_id TEXT NOT NULL DEFAULT 'default'")
        }
        try c.execute("""
            CREATE INDEX IF NOT EXISTS sanctum_sessions_site ON web_chat_sessions(site_id, last_active);
            CREATE INDEX IF NOT EXISTS sanctum_messages_pending
                ON web_chat_messages(site_id, timestamp, id) WHERE processed = 0;
            CREATE TABLE IF NOT EXISTS sanctum_sites (
                id TEXT PRIMARY KEY,
                agent_key_hash TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS sanctum_plugin_data (
                plugin_id TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (plugin_id, key)
            );
            """)
    }

    /// Real time: the event log (replayable, per-conversation sequence), read positions, and
    /// leases for at-least-once agents.
    private static func migrateToVersion3(_ c: SQLiteConnection) throws {
        if !(try c.columns(of: "web_chat_messages")).contains("lease_until") {
            try c.execute("ALTER TABLE web_chat_messages ADD COLUMN lease_until REAL")
        }
        if !(try c.columns(of: "web_chat_responses")).contains("client_response_id") {
            try c.execute("ALTER TABLE web_chat_responses ADD COLUMN client_response_id TEXT")
        }
        try c.execute("""
            CREATE TABLE IF NOT EXISTS sanctum_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                site_id TEXT NOT NULL,
                session_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE INDEX IF NOT EXISTS sanctum_events_session ON sanctum_events(session_id, id);
            CREATE INDEX IF NOT EXISTS sanctum_events_site ON sanctum_events(site_id, id);
            CREATE INDEX IF NOT EXISTS sanctum_events_age ON sanctum_events(created_at);
            CREATE UNIQUE INDEX IF NOT EXISTS sanctum_responses_client_id
                ON web_chat_responses(session_id, client_response_id) WHERE client_response_id IS NOT NULL;
            CREATE INDEX IF NOT EXISTS sanctum_messages_leased
                ON web_chat_messages(session_id, id) WHERE processed = 0 AND lease_until IS NOT NULL;
            CREATE TABLE IF NOT EXISTS sanctum_read_state (
                session_id TEXT PRIMARY KEY,
                agent_read_up_to INTEGER NOT NULL DEFAULT 0,
                visitor_read_up_to INTEGER NOT NULL DEFAULT 0
            );
            """)
    }

    /// Plugin storage with expiry: `expires_at` (Unix seconds, NULL for never) on the plugin
    /// table, indexed for the purge each plugin write runs.
    private static func migrateToVersion4(_ c: SQLiteConnection) throws {
        if !(try c.columns(of: "sanctum_plugin_data")).contains("expires_at") {
            try c.execute("ALTER TABLE sanctum_plugin_data ADD COLUMN expires_at REAL")
        }
        try c.execute("""
            CREATE INDEX IF NOT EXISTS sanctum_plugin_data_expiry
                ON sanctum_plugin_data(plugin_id, expires_at) WHERE expires_at IS NOT NULL;
            """)
    }

    /// Message metadata: what plugins attached to a message or reply (compact JSON, an object of
    /// namespaced objects); NULL for older rows and messages without any.
    private static func migrateToVersion5(_ c: SQLiteConnection) throws {
        for table in ["web_chat_messages", "web_chat_responses"] where !(try c.columns(of: table)).contains("metadata") {
            try c.execute("ALTER TABLE \(table) ADD COLUMN metadata TEXT")
        }
    }

    /// Costs that do not grow with the data: pending messages and sessions counted per site, kept
    /// exact by triggers whatever writes the tables (the legacy bridge included), so an inbox poll
    /// and the console's conversation list read their `total` from one row instead of counting;
    /// session indexes that end in the id, so the list's order needs no sort. SQLite has one
    /// writer, so one counter row per site is no bottleneck.
    private static func migrateToVersion6(_ c: SQLiteConnection) throws {
        try c.execute("""
            DROP INDEX IF EXISTS sanctum_sessions_site;
            DROP INDEX IF EXISTS sanctum_sessions_last_active;
            CREATE INDEX IF NOT EXISTS sanctum_sessions_site_recent ON web_chat_sessions(site_id, last_active, id);
            CREATE INDEX IF NOT EXISTS sanctum_sessions_recent ON web_chat_sessions(last_active, id);
            CREATE TABLE IF NOT EXISTS sanctum_session_counts (
                site_id TEXT PRIMARY KEY,
                sessions INTEGER NOT NULL
            ) WITHOUT ROWID;
            DELETE FROM sanctum_session_counts;
            INSERT INTO sanctum_session_counts (site_id, sessions)
                SELECT site_id, COUNT(*) FROM web_chat_sessions GROUP BY site_id;
            CREATE TRIGGER IF NOT EXISTS sanctum_session_insert AFTER INSERT ON web_chat_sessions
            BEGIN
                INSERT INTO sanctum_session_counts (site_id, sessions) VALUES (NEW.site_id, 1)
                    ON CONFLICT (site_id) DO UPDATE SET sessions = sessions + 1;
            END;
            CREATE TRIGGER IF NOT EXISTS sanctum_session_delete AFTER DELETE ON web_chat_sessions
            BEGIN
                UPDATE sanctum_session_counts SET sessions = sessions - 1 WHERE site_id = OLD.site_id;
            END;
            CREATE TRIGGER IF NOT EXISTS sanctum_session_move AFTER UPDATE OF site_id ON web_chat_sessions
                WHEN OLD.site_id IS NOT NEW.site_id
            BEGIN
                UPDATE sanctum_session_counts SET sessions = sessions - 1 WHERE site_id = OLD.site_id;
                INSERT INTO sanctum_session_counts (site_id, sessions) VALUES (NEW.site_id, 1)
                    ON CONFLICT (site_id) DO UPDATE SET sessions = sessions + 1;
            END;
            CREATE TABLE IF NOT EXISTS sanctum_pending_counts (
                site_id TEXT PRIMARY KEY,
                pending INTEGER NOT NULL
            ) WITHOUT ROWID;
            DELETE FROM sanctum_pending_counts;
            INSERT INTO sanctum_pending_counts (site_id, pending)
                SELECT site_id, COUNT(*) FROM web_chat_messages WHERE processed = 0 GROUP BY site_id;
            CREATE TRIGGER IF NOT EXISTS sanctum_pending_insert AFTER INSERT ON web_chat_messages
                WHEN NEW.processed = 0
            BEGIN
                INSERT INTO sanctum_pending_counts (site_id, pending) VALUES (NEW.site_id, 1)
                    ON CONFLICT (site_id) DO UPDATE SET pending = pending + 1;
            END;
            CREATE TRIGGER IF NOT EXISTS sanctum_pending_delete AFTER DELETE ON web_chat_messages
                WHEN OLD.processed = 0
            BEGIN
                UPDATE sanctum_pending_counts SET pending = pending - 1 WHERE site_id = OLD.site_id;
            END;
            CREATE TRIGGER IF NOT EXISTS sanctum_pending_update AFTER UPDATE OF processed, site_id ON web_chat_messages
                WHEN (OLD.processed = 0) IS NOT (NEW.processed = 0) OR (OLD.processed = 0 AND OLD.site_id != NEW.site_id)
            BEGIN
                UPDATE sanctum_pending_counts SET pending = pending - 1 WHERE OLD.processed = 0 AND site_id = OLD.site_id;
                INSERT INTO sanctum_pending_counts (site_id, pending) SELECT NEW.site_id, 1 WHERE NEW.processed = 0
                    ON CONFLICT (site_id) DO UPDATE SET pending = pending + 1;
            END;
            """)
    }

    /// Verified users (identity verification, docs/identity.md): each user's conversation on a
    /// site, so it follows them across devices, with the latest name and e-mail their proof carried.
    private static func migrateToVersion7(_ c: SQLiteConnection) throws {
        try c.execute("""
            CREATE TABLE IF NOT EXISTS sanctum_verified_users (
                site_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                session_id TEXT NOT NULL UNIQUE,
                name TEXT,
                email TEXT,
                verified_at TEXT NOT NULL,
                PRIMARY KEY (site_id, user_id)
            );
            """)
    }
}
