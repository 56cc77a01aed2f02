import Foundation
import Logging
import PostgresNIO
import SanctumServices

/// The event log's SQL: appending (ids from `sanctum_event_counter` at the commit, see
/// ``PostgresDatabase``) and reading by id, so a reader woken by anything — its own commit or
/// another instance's `NOTIFY` — catches up from its cursor.
enum EventLog {
    /// Adds `drafts` to the log, in order, at the commit of the transaction on `c` (see
    /// ``PostgresDatabase``, "Event order"): their ids exist only then, so the relay reads them
    /// back like any instance's events.
    static func append(_ drafts: [EventDraft], on c: PostgresConnection) async throws {
        try await c.run(PreparedStatements.DraftEvents(drafts))
    }

    /// Events in `scope` after `cursor`, oldest first, at most `limit` (prepared statements).
    static func events(in scope: EventScope, after cursor: Int64, limit: Int, on c: PostgresConnection) async throws -> [ChatEvent] {
        try await replayStatement(scope, after: cursor, limit: limit).rows(on: c).map { row in
            let (id, seq, site, session, type, data, created) = try row.decode((Int64, Int64, String, String, String, String, Double).self)
            return ChatEvent(id: id, seq: seq, siteID: site, sessionID: session, type: type,
                             data: JSON.parse(Array(data.utf8)) ?? .object([:]), at: Date(timeIntervalSince1970: created))
        }
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
