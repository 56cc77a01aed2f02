import Foundation
import Logging
import PostgresNIO
import SanctumServices

/// The event log's SQL: queueing a write's events, numbering queued events into the log (the
/// ``EventSequencer``'s run, see ``PostgresDatabase``, "Event order") and reading by id, so a
/// reader woken by anything — a run of this instance or another instance's `NOTIFY` — catches
/// up from its cursor.
enum EventLog {
    /// Queues `drafts`, in order, in the transaction on `c`: their ids exist only once a
    /// sequencer run after the commit has moved them into the log.
    static func append(_ drafts: [EventDraft], on c: PostgresConnection) async throws {
        try await c.run(PreparedStatements.QueueEvents(drafts))
    }

    /// Moves up to `limit` queued events into the log, in queue order, with the ids after the
    /// counter's and each conversation's next `seq`s, and notifies every instance of the newest
    /// id: one call of `sanctum_sequence_events` (migration 7), its own transaction. Returns the
    /// events moved, oldest first.
    static func sequence(limit: Int, on c: PostgresConnection) async throws -> [ChatEvent] {
        try await c.run(Prepared<SequenceSQL> { b in b.append(Int64(limit)) }).map(decode)
    }

    /// $1 the most events moved.
    private enum SequenceSQL: PreparedSQL {
        static let sql = "SELECT id, seq, site_id, session_id, type, data, created_at FROM sanctum_sequence_events($1::bigint)"
    }

    /// The body of `sanctum_sequence_events(batch)` (migration 7: never to change; a later
    /// migration replaces the function). The counter's row lock comes first, in a statement of its
    /// own: the function is volatile, so the move's snapshot is taken once the lock is held and
    /// sees every event committed before, and none another run moved (runs hold the lock until
    /// they commit: ids follow the commits of the runs).
    static let sequenceFunctionBody = """
        DECLARE
            last BIGINT;
            moved BIGINT;
        BEGIN
            SELECT last_id INTO last FROM sanctum_event_counter FOR UPDATE;
            RETURN QUERY \(moveQueuedSQL(last: "last", batch: "batch"));
            GET DIAGNOSTICS moved = ROW_COUNT;
            IF moved > 0 THEN
                UPDATE sanctum_event_counter SET last_id = last + moved;
                PERFORM pg_notify('\(EventListener.channel)', (last + moved)::text);
            END IF;
        END
        """

    /// The move of a run: the events after `last` (the counter's value), at most `batch`; a
    /// conversation's `seq` continues from its newest logged event (`sanctum_events_session`, one
    /// index lookup per event). Rows as `sanctum_events`, by id.
    private static func moveQueuedSQL(last: String, batch: String) -> String {
        """
        WITH moving AS (
                DELETE FROM sanctum_event_queue
                WHERE entry = ANY(ARRAY(SELECT q.entry FROM sanctum_event_queue q ORDER BY q.entry LIMIT \(batch)))
                RETURNING entry, site_id, session_id, type, data, created_at
            ),
            numbered AS (
                SELECT m.*, \(last) + row_number() OVER (ORDER BY m.entry) AS id,
                       row_number() OVER (PARTITION BY m.session_id ORDER BY m.entry) AS n
                FROM moving m
            ),
            logged AS (
                INSERT INTO sanctum_events (id, site_id, session_id, seq, type, data, created_at)
                SELECT u.id, u.site_id, u.session_id,
                       u.n + COALESCE((SELECT e.seq FROM sanctum_events e WHERE e.session_id = u.session_id ORDER BY e.id DESC LIMIT 1), 0),
                       u.type, u.data, u.created_at
                FROM numbered u ORDER BY u.id
                RETURNING *
            )
            SELECT * FROM logged ORDER BY logged.id
        """
    }

    /// The move of a run as a query with the counter's value and the batch bound (for the plan tests).
    static func moveQueued(after last: Int64, limit: Int) -> PostgresQuery {
        var b = PostgresBindings()
        b.append(last)
        b.append(Int64(limit))
        return PostgresQuery(unsafeSQL: moveQueuedSQL(last: "$1::bigint", batch: "$2::bigint"), binds: b)
    }

    /// Whether events wait in the queue (committed by a write whose own run has not moved them:
    /// its instance stopped between the two).
    static func hasQueued(on c: PostgresConnection) async throws -> Bool {
        try await c.run(Prepared<HasQueuedSQL> { _ in }).first?.decode(Bool.self) ?? false
    }

    /// Deletes the events of the conversations `sessionIDs` (their own, and the plugin events that
    /// name them), logged or queued, in the transaction on `c`; returns how many. Takes the
    /// counter's lock first, so no sequencer run moves an event of theirs into the log after this
    /// looked: a run that committed before is seen, one that starts after finds the queue without them.
    static func forget(sessionIDs: [String], on c: PostgresConnection) async throws -> Int {
        guard !sessionIDs.isEmpty else { return 0 }
        try await lockCounter(on: c)
        var forgotten = 0
        for table in ["sanctum_events", "sanctum_event_queue"] {
            forgotten += try await c.rows("DELETE FROM \(unescaped: table) WHERE session_id = ANY(\(sessionIDs)) RETURNING 1").count
            for id in sessionIDs {
                let quoted = "\"" + id + "\""
                forgotten += try await c.rows("""
                    DELETE FROM \(unescaped: table) WHERE session_id = '' AND type = 'plugin' AND strpos(data, \(quoted)) > 0 RETURNING 1
                    """).count
            }
        }
        return forgotten
    }

    /// Deletes every event, logged or queued, in the transaction on `c` (the counter's lock first,
    /// as in ``forget(sessionIDs:on:)``).
    static func forgetAll(on c: PostgresConnection) async throws {
        try await lockCounter(on: c)
        try await c.rows("DELETE FROM sanctum_events")
        try await c.rows("DELETE FROM sanctum_event_queue")
    }

    /// Locks the event counter's row until the transaction on `c` ends: the first lock of every
    /// sequencer run, so one that starts meanwhile waits here holding nothing else, and a
    /// transaction that then locks or empties the log's tables cannot deadlock with it.
    static func lockCounter(on c: PostgresConnection) async throws {
        try await c.run(Prepared<LockCounterSQL> { _ in })
    }

    /// The newest id handed out, its row locked until the transaction ends.
    private enum LockCounterSQL: PreparedSQL {
        static let sql = "SELECT last_id FROM sanctum_event_counter FOR UPDATE"
    }

    private enum HasQueuedSQL: PreparedSQL {
        static let sql = "SELECT EXISTS (SELECT 1 FROM sanctum_event_queue)"
    }

    /// Events in `scope` after `cursor`, oldest first, at most `limit` (prepared statements).
    static func events(in scope: EventScope, after cursor: Int64, limit: Int, on c: PostgresConnection) async throws -> [ChatEvent] {
        try await replayStatement(scope, after: cursor, limit: limit).rows(on: c).map(decode)
    }

    /// An event from a row of `id, seq, site_id, session_id, type, data, created_at`.
    private static func decode(_ row: PostgresRow) throws -> ChatEvent {
        let (id, seq, site, session, type, data, created) = try row.decode((Int64, Int64, String, String, String, String, Double).self)
        return ChatEvent(id: id, seq: seq, siteID: site, sessionID: session, type: type,
                         data: JSON.parse(Array(data.utf8)) ?? .object([:]), at: Date(timeIntervalSince1970: created))
    }

    /// The replay query of `scope`: an index range read in id order (`sanctum_events_session`,
    /// `sanctum_events_site` or the primary key), never a sort.
    static func replay(_ scope: EventScope, after cursor: Int64, limit: Int) -> PostgresQuery {
        replayStatement(scope, after: cursor, limit: limit).query
    }

    private static func replayStatement(_ scope: EventScope, after cursor: Int64, limit: Int) -> any PreparedQuery {
        switch scope {
        case .session(let id, let site):
            Prepared<ReplaySessionSQL> { b in b.append(id); b.append(site); b.append(cursor); b.append(Int64(limit)) }
        case .site(let id):
            Prepared<ReplaySiteSQL> { b in b.append(id); b.append(cursor); b.append(Int64(limit)) }
        case .all:
            Prepared<ReplayAllSQL> { b in b.append(cursor); b.append(Int64(limit)) }
        }
    }

    private static let columns = "SELECT id, seq, site_id, session_id, type, data, created_at FROM sanctum_events"

    /// A conversation's events: $1 the session, $2 its site, $3 the cursor, $4 the limit.
    private enum ReplaySessionSQL: PreparedSQL {
        static let sql = "\(columns) WHERE session_id = $1::text AND site_id = $2::text AND id > $3::bigint ORDER BY id LIMIT $4::bigint"
    }

    /// A site's events: $1 the site, $2 the cursor, $3 the limit.
    private enum ReplaySiteSQL: PreparedSQL {
        static let sql = "\(columns) WHERE site_id = $1::text AND id > $2::bigint ORDER BY id LIMIT $3::bigint"
    }

    /// Every event: $1 the cursor, $2 the limit.
    private enum ReplayAllSQL: PreparedSQL {
        static let sql = "\(columns) WHERE id > $1::bigint ORDER BY id LIMIT $2::bigint"
    }

    /// The id below which events have been purged, and the newest id handed out (committed).
    static func range(on c: PostgresConnection) async throws -> (purgedBelow: Int64, newest: Int64) {
        let row = try await c.rows("""
            SELECT (SELECT MIN(id) FROM sanctum_events), (SELECT last_id FROM sanctum_event_counter)
            """)[0]
        let (oldest, newest) = try row.decode((Int64?, Int64).self)
        return (oldest ?? (newest + 1), newest)
    }
}
