import Foundation
import Logging
import PostgresNIO
import SanctumServices

/// The event log's SQL: appending (ids from `sanctum_event_counter`, see ``PostgresDatabase``)
/// and reading by id, so a reader woken by anything — the in-process bus today, a
/// LISTEN/NOTIFY from another instance later — catches up from its cursor.
enum EventLog {
    /// Appends `drafts` in order and returns them as stored. Takes the counter's row lock, held
    /// until the transaction ends.
    static func append(_ drafts: [EventDraft], on c: PostgresConnection) async throws -> [ChatEvent] {
        let count = Int64(drafts.count)
        let last = try await c.run(PreparedStatements.AllocateEventIDs(count: count)).first ?? count
        var nextID = last - count + 1
        var lastSeq: [String: Int64] = [:]
        var events: [ChatEvent] = []
        for draft in drafts {
            let previous: Int64
            if let known = lastSeq[draft.sessionID] {
                previous = known
            } else {
                previous = try await c.run(PreparedStatements.LastSequence(sessionID: draft.sessionID)).first ?? 0
            }
            let seq = previous + 1
            lastSeq[draft.sessionID] = seq
            var text = draft.data.serialized
            text.removeLast()
            try await c.run(PreparedStatements.InsertEvent(id: nextID, siteID: draft.siteID, sessionID: draft.sessionID, seq: seq,
                                                           type: draft.type, data: text, createdAt: draft.now.timeIntervalSince1970))
            events.append(ChatEvent(id: nextID, seq: seq, siteID: draft.siteID, sessionID: draft.sessionID, type: draft.type, data: draft.data, at: draft.now))
            nextID += 1
        }
        return events
    }

    /// Events in `scope` after `cursor`, oldest first, at most `limit`.
    static func events(in scope: EventScope, after cursor: Int64, limit: Int, on c: PostgresConnection) async throws -> [ChatEvent] {
        let query = replay(scope, after: cursor, limit: limit)
        return try await c.rows(query).map { row in
            let (id, seq, site, session, type, data, created) = try row.decode((Int64, Int64, String, String, String, String, Double).self)
            return ChatEvent(id: id, seq: seq, siteID: site, sessionID: session, type: type,
                             data: JSON.parse(Array(data.utf8)) ?? .object([:]), at: Date(timeIntervalSince1970: created))
        }
    }

    /// The replay query of `scope`: an index range read in id order (`sanctum_events_session`,
    /// `sanctum_events_site` or the primary key), never a sort.
    static func replay(_ scope: EventScope, after cursor: Int64, limit: Int) -> PostgresQuery {
        let columns = "id, seq, site_id, session_id, type, data, created_at"
        return switch scope {
        case .session(let id, let site):
            "SELECT \(unescaped: columns) FROM sanctum_events WHERE session_id = \(id) AND site_id = \(site) AND id > \(cursor) ORDER BY id LIMIT \(Int64(limit))"
        case .site(let id):
            "SELECT \(unescaped: columns) FROM sanctum_events WHERE site_id = \(id) AND id > \(cursor) ORDER BY id LIMIT \(Int64(limit))"
        case .all:
            "SELECT \(unescaped: columns) FROM sanctum_events WHERE id > \(cursor) ORDER BY id LIMIT \(Int64(limit))"
        }
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
