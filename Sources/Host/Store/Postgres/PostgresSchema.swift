import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema: the same tables as the SQLite driver's (no legacy baggage: no old
/// tool reads this database), versioned in `sanctum_schema_migrations` — one row per applied
/// migration — and migrated forward in one transaction under an advisory lock, so instances
/// starting together migrate once.
///
/// Text that must sort or compare byte by byte (timestamps, keys, ids) is `COLLATE "C"`, whatever
/// the database's locale; message and reply texts are `BYTEA` (UTF-8) because PostgreSQL text
/// cannot hold NUL, which visitors may send.
enum PostgresSchema {
    /// One migration: a version and its statements (one statement each: bound queries run one at a time).
    struct Migration: Sendable {
        let version: Int64
        let summary: String
        /// The oldest schema version whose builds still run on a database at this version: the
        /// previous one for an additive change (rolling upgrades: docs/scaling.md), this one
        /// for a change older builds would misread.
        let readableFrom: Int64
        let statements: [String]

        init(version: Int64, summary: String, readableFrom: Int64? = nil, statements: [String]) {
            self.version = version
            self.summary = summary
            self.readableFrom = readableFrom ?? version
            self.statements = statements
        }
    }

    /// The migrations, oldest first.
    static let migrations: [Migration] = [
        Migration(version: 1, summary: "conversations, events, settings, plugin data", statements: [
            """
            CREATE TABLE web_chat_sessions (
                id TEXT COLLATE "C" PRIMARY KEY,
                uid TEXT COLLATE "C" UNIQUE,
                site_id TEXT COLLATE "C" NOT NULL DEFAULT 'default',
                created_at TEXT COLLATE "C",
                last_active TEXT COLLATE "C",
                ip_address TEXT,
                metadata TEXT
            )
            """,
            "CREATE INDEX sanctum_sessions_last_active ON web_chat_sessions (last_active)",
            "CREATE INDEX sanctum_sessions_site ON web_chat_sessions (site_id, last_active)",
            """
            CREATE TABLE web_chat_messages (
                id BIGSERIAL PRIMARY KEY,
                session_id TEXT COLLATE "C" NOT NULL,
                site_id TEXT COLLATE "C" NOT NULL DEFAULT 'default',
                message BYTEA NOT NULL,
                timestamp TEXT COLLATE "C" NOT NULL,
                processed BOOLEAN NOT NULL DEFAULT FALSE,
                delivered_at TEXT COLLATE "C",
                lease_until DOUBLE PRECISION,
                client_message_id TEXT COLLATE "C"
            )
            """,
            "CREATE INDEX sanctum_messages_session ON web_chat_messages (session_id, id)",
            "CREATE INDEX sanctum_messages_pending ON web_chat_messages (site_id, timestamp, id) WHERE NOT processed",
            "CREATE INDEX sanctum_messages_leased ON web_chat_messages (session_id, id) WHERE NOT processed AND lease_until IS NOT NULL",
            """
            CREATE UNIQUE INDEX sanctum_messages_client_id ON web_chat_messages (session_id, client_message_id)
                WHERE client_message_id IS NOT NULL
            """,
            """
            CREATE TABLE web_chat_responses (
                id BIGSERIAL PRIMARY KEY,
                session_id TEXT COLLATE "C" NOT NULL,
                response BYTEA NOT NULL,
                timestamp TEXT COLLATE "C" NOT NULL,
                message_id TEXT,
                client_response_id TEXT COLLATE "C"
            )
            """,
            "CREATE INDEX sanctum_responses_session ON web_chat_responses (session_id, id)",
            """
            CREATE UNIQUE INDEX sanctum_responses_client_id ON web_chat_responses (session_id, client_response_id)
                WHERE client_response_id IS NOT NULL
            """,
            """
            CREATE TABLE sanctum_session_tombstones (
                id TEXT COLLATE "C" PRIMARY KEY,
                uid TEXT COLLATE "C",
                site_id TEXT COLLATE "C" NOT NULL DEFAULT 'default',
                deleted_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE sanctum_read_state (
                session_id TEXT COLLATE "C" PRIMARY KEY,
                agent_read_up_to BIGINT NOT NULL DEFAULT 0,
                visitor_read_up_to BIGINT NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE sanctum_events (
                id BIGINT PRIMARY KEY,
                site_id TEXT COLLATE "C" NOT NULL,
                session_id TEXT COLLATE "C" NOT NULL,
                seq BIGINT NOT NULL,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX sanctum_events_session ON sanctum_events (session_id, id)",
            "CREATE INDEX sanctum_events_site ON sanctum_events (site_id, id)",
            "CREATE INDEX sanctum_events_age ON sanctum_events (created_at)",
            // One row: the last event id handed out (see PostgresDatabase, "Event order").
            "CREATE TABLE sanctum_event_counter (only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row), last_id BIGINT NOT NULL)",
            "INSERT INTO sanctum_event_counter (last_id) VALUES (0)",
            """
            CREATE TABLE system_config (
                id BIGSERIAL PRIMARY KEY,
                config_key TEXT COLLATE "C" UNIQUE NOT NULL,
                config_value TEXT,
                created_at TEXT,
                updated_at TEXT
            )
            """,
            """
            CREATE TABLE sanctum_sites (
                id TEXT COLLATE "C" PRIMARY KEY,
                agent_key_hash TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE sanctum_plugin_data (
                plugin_id TEXT COLLATE "C" NOT NULL,
                key TEXT COLLATE "C" NOT NULL,
                value BYTEA NOT NULL,
                updated_at TEXT NOT NULL,
                expires_at DOUBLE PRECISION,
                PRIMARY KEY (plugin_id, key)
            )
            """,
            "CREATE INDEX sanctum_plugin_data_expiry ON sanctum_plugin_data (plugin_id, expires_at) WHERE expires_at IS NOT NULL",
        ]),
        Migration(version: 2, summary: "message metadata (plugins' namespaced data; NULL when none)", statements: [
            "ALTER TABLE web_chat_messages ADD COLUMN metadata TEXT",
            "ALTER TABLE web_chat_responses ADD COLUMN metadata TEXT",
        ]),
        // Totals that do not grow with the data: pending messages and conversations per site,
        // kept by triggers in rows sharded by id (16 per site), so concurrent writers of one
        // site rarely meet on a counter row; a read sums a site's rows.
        Migration(version: 3, summary: "per-site counters of pending messages and conversations", statements: [
            """
            CREATE TABLE sanctum_pending_counts (
                site_id TEXT COLLATE "C" NOT NULL, shard SMALLINT NOT NULL, pending BIGINT NOT NULL,
                PRIMARY KEY (site_id, shard)
            )
            """,
            """
            INSERT INTO sanctum_pending_counts (site_id, shard, pending)
                SELECT site_id, (id % 16)::smallint, COUNT(*) FROM web_chat_messages WHERE NOT processed GROUP BY 1, 2
            """,
            """
            CREATE FUNCTION sanctum_count_pending() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' AND NOT OLD.processed THEN
                    UPDATE sanctum_pending_counts SET pending = pending - 1 WHERE site_id = OLD.site_id AND shard = OLD.id % 16;
                END IF;
                IF TG_OP <> 'DELETE' AND NOT NEW.processed THEN
                    INSERT INTO sanctum_pending_counts AS p (site_id, shard, pending) VALUES (NEW.site_id, NEW.id % 16, 1)
                        ON CONFLICT (site_id, shard) DO UPDATE SET pending = p.pending + 1;
                END IF;
                RETURN NULL;
            END $$
            """,
        ] + countingTriggers("sanctum_pending", on: "web_chat_messages", function: "sanctum_count_pending", columns: ["processed", "site_id"]) + [
            """
            CREATE TABLE sanctum_session_counts (
                site_id TEXT COLLATE "C" NOT NULL, shard SMALLINT NOT NULL, sessions BIGINT NOT NULL,
                PRIMARY KEY (site_id, shard)
            )
            """,
            """
            INSERT INTO sanctum_session_counts (site_id, shard, sessions)
                SELECT site_id, (abs(hashtext(id)) % 16)::smallint, COUNT(*) FROM web_chat_sessions GROUP BY 1, 2
            """,
            """
            CREATE FUNCTION sanctum_count_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    UPDATE sanctum_session_counts SET sessions = sessions - 1
                        WHERE site_id = OLD.site_id AND shard = abs(hashtext(OLD.id)) % 16;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    INSERT INTO sanctum_session_counts AS c (site_id, shard, sessions) VALUES (NEW.site_id, abs(hashtext(NEW.id)) % 16, 1)
                        ON CONFLICT (site_id, shard) DO UPDATE SET sessions = c.sessions + 1;
                END IF;
                RETURN NULL;
            END $$
            """,
        ] + countingTriggers("sanctum_sessions", on: "web_chat_sessions", function: "sanctum_count_sessions", columns: ["site_id", "id"])),
        // The console's list orders by `last_active DESC NULLS LAST, id DESC`: indexes in exactly
        // that order (per site, and over all sites) give a page without sorting every session.
        // They replace the indexes on `last_active` alone (cleanup's range reads these too).
        Migration(version: 4, summary: "conversation list indexes in its order", statements: [
            "CREATE INDEX sanctum_sessions_recent ON web_chat_sessions (last_active DESC NULLS LAST, id DESC)",
            "CREATE INDEX sanctum_sessions_site_recent ON web_chat_sessions (site_id, last_active DESC NULLS LAST, id DESC)",
            "DROP INDEX sanctum_sessions_last_active",
            "DROP INDEX sanctum_sessions_site",
        ]),
        // Identity verification (docs/identity.md): each verified user's conversation on a site.
        Migration(version: 5, summary: "verified users and their conversations", statements: [
            """
            CREATE TABLE sanctum_verified_users (
                site_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                session_id TEXT NOT NULL UNIQUE,
                name TEXT,
                email TEXT,
                verified_at TEXT NOT NULL,
                PRIMARY KEY (site_id, user_id)
            )
            """,
        ]),
        // Writers that do not wait on each other (docs/performance.md, "SQLite and PostgreSQL"):
        // - The counters of migration 3 sharded by row id made two transactions that each change
        //   many messages (a page taken by two agents, a take beside a post) lock shard rows in
        //   opposite orders: a deadlock, found after `deadlock_timeout` (1 s), and a 500. A
        //   transaction now counts into the shard of its own connection (`pg_backend_pid()`), one
        //   row per site, whichever rows it changes; a shard's value may go below zero, the sum
        //   over a site's shards is the total.
        // - Event ids are handed out at the commit itself: a write stores its events as drafts,
        //   and a deferred trigger numbers them, moves them into the log and sends the `NOTIFY`
        //   while the commit runs. The event counter's row lock (ids in commit order) is then held
        //   for the server's commit work alone, never while the server waits for the client's next
        //   statement (before: from the append to the client's `COMMIT`, and every other write
        //   queued behind it).
        // Both are additive: a build of schema 5 runs unchanged on this schema (its appends take
        // the same counter lock, mid-transaction).
        Migration(version: 6, summary: "per-connection counter shards; event ids handed out at commit", readableFrom: 5, statements: [
            countingFunction("sanctum_count_pending", table: "sanctum_pending_counts", column: "pending",
                             removed: "TG_OP <> 'INSERT' AND NOT OLD.processed", added: "TG_OP <> 'DELETE' AND NOT NEW.processed"),
            countingFunction("sanctum_count_sessions", table: "sanctum_session_counts", column: "sessions",
                             removed: "TG_OP <> 'INSERT'", added: "TG_OP <> 'DELETE'"),
            // Unlogged: a draft never outlives its transaction (moved at commit, gone in a rollback).
            """
            CREATE UNLOGGED TABLE sanctum_event_drafts (
                draft BIGSERIAL PRIMARY KEY,
                site_id TEXT COLLATE "C" NOT NULL,
                session_id TEXT COLLATE "C" NOT NULL,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE FUNCTION sanctum_publish_event() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                event_id BIGINT;
                previous BIGINT;
            BEGIN
                UPDATE sanctum_event_counter SET last_id = last_id + 1 RETURNING last_id INTO event_id;
                SELECT seq INTO previous FROM sanctum_events WHERE session_id = NEW.session_id ORDER BY id DESC LIMIT 1;
                INSERT INTO sanctum_events (id, site_id, session_id, seq, type, data, created_at)
                    VALUES (event_id, NEW.site_id, NEW.session_id, COALESCE(previous, 0) + 1, NEW.type, NEW.data, NEW.created_at);
                DELETE FROM sanctum_event_drafts WHERE draft = NEW.draft;
                PERFORM pg_notify('\(EventListener.channel)', event_id::text);
                RETURN NULL;
            END $$
            """,
            """
            CREATE CONSTRAINT TRIGGER sanctum_event_drafts_publish AFTER INSERT ON sanctum_event_drafts
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sanctum_publish_event()
            """,
        ]),
        // Writers that do not queue behind one lock at all (docs/scaling.md, "Event order"): the
        // trigger of migration 6 held the event counter's row lock from the first event of a
        // commit to its end, and every event-writing commit of the cluster took its turn there,
        // with its `NOTIFY` (which serializes commits too, across the write-ahead log flush).
        // A write now queues its events (`sanctum_event_queue`, logged: they are committed data)
        // and commits without either; the ``EventSequencer`` of some instance then takes the
        // counter lock once for every event queued meanwhile, numbers them in queue order, moves
        // them into the log and sends one `NOTIFY` (`sanctum_sequence_events`: one round trip).
        // Additive: a build of schema 6 still writes drafts, whose trigger takes the same lock
        // and finds the counter where the sequencer left it.
        Migration(version: 7, summary: "event queue: ids handed out per batch, not per commit", readableFrom: 6, statements: [
            """
            CREATE TABLE sanctum_event_queue (
                entry BIGSERIAL PRIMARY KEY,
                site_id TEXT COLLATE "C" NOT NULL,
                session_id TEXT COLLATE "C" NOT NULL,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE FUNCTION sanctum_sequence_events(batch BIGINT) RETURNS SETOF sanctum_events LANGUAGE plpgsql AS $$\n\(EventLog.sequenceFunctionBody)\n$$",
        ]),
    ]

    /// A trigger function that moves a site's count in the calling connection's shard: down by
    /// one for an old row when `removed` holds, up by one for a new row when `added` holds.
    private static func countingFunction(_ name: String, table: String, column: String, removed: String, added: String) -> String {
        """
        CREATE OR REPLACE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF \(removed) THEN
                INSERT INTO \(table) AS c (site_id, shard, \(column)) VALUES (OLD.site_id, pg_backend_pid() % \(counterShards), -1)
                    ON CONFLICT (site_id, shard) DO UPDATE SET \(column) = c.\(column) - 1;
            END IF;
            IF \(added) THEN
                INSERT INTO \(table) AS c (site_id, shard, \(column)) VALUES (NEW.site_id, pg_backend_pid() % \(counterShards), 1)
                    ON CONFLICT (site_id, shard) DO UPDATE SET \(column) = c.\(column) + 1;
            END IF;
            RETURN NULL;
        END $$
        """
    }

    /// Counter rows per site (migration 6): connections whose process ids meet modulo this share one.
    static let counterShards = 32

    /// The triggers that run a counting `function` after every insert and delete on `table`, and
    /// after updates that change one of `columns`.
    private static func countingTriggers(_ prefix: String, on table: String, function: String, columns: [String]) -> [String] {
        let changed = columns.map { "OLD.\($0) IS DISTINCT FROM NEW.\($0)" }.joined(separator: " OR ")
        return [
            "CREATE TRIGGER \(prefix)_insert AFTER INSERT ON \(table) FOR EACH ROW EXECUTE FUNCTION \(function)()",
            "CREATE TRIGGER \(prefix)_delete AFTER DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION \(function)()",
            """
            CREATE TRIGGER \(prefix)_update AFTER UPDATE OF \(columns.joined(separator: ", ")) ON \(table) FOR EACH ROW
                WHEN (\(changed)) EXECUTE FUNCTION \(function)()
            """,
        ]
    }

    /// The schema version this build writes.
    static var currentVersion: Int64 { migrations.last?.version ?? 0 }

    /// An arbitrary constant: the advisory lock migrations hold (`pg_advisory_xact_lock`).
    static let migrationLock: Int64 = 0x5341_4E43_5455_4D01

    /// Brings the database to ``currentVersion``; returns the version it found. Running it on a
    /// current database changes nothing.
    @discardableResult
    static func migrate(_ database: PostgresDatabase) async throws -> Int64 {
        try await database.write { c in
            try await c.rows("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try await c.rows("""
                CREATE TABLE IF NOT EXISTS sanctum_schema_migrations (
                    version BIGINT PRIMARY KEY, summary TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """)
            // Builds before schema 6 did not record `readable_from`: their rows read as NULL (only
            // builds of that version).
            try await c.rows("ALTER TABLE sanctum_schema_migrations ADD COLUMN IF NOT EXISTS readable_from BIGINT")
            let found = try await c.rows("SELECT COALESCE(MAX(version), 0) FROM sanctum_schema_migrations")
                .first?.decode(Int64.self) ?? 0
            if found > currentVersion {
                let unreadable = try await c.value("""
                    SELECT MIN(version) FROM sanctum_schema_migrations
                    WHERE version > \(currentVersion) AND (readable_from IS NULL OR readable_from > \(currentVersion))
                    """, as: Int64.self)
                if let unreadable {
                    throw PostgresSchemaError(description: "database schema version \(found) is newer than this sanctum (\(currentVersion)), "
                                                + "and version \(unreadable) changed what this one reads; upgrade sanctum")
                }
                return found
            }
            for migration in migrations where migration.version > found {
                for statement in migration.statements {
                    try await c.rows(PostgresQuery(unsafeSQL: statement))
                }
                try await c.rows("""
                    INSERT INTO sanctum_schema_migrations (version, summary, readable_from)
                    VALUES (\(migration.version), \(migration.summary), \(migration.readableFrom))
                    """)
            }
            return found
        }
    }
}

/// A database this build cannot use.
struct PostgresSchemaError: Error, CustomStringConvertible {
    let description: String
}
