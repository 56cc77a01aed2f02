import Foundation
import PostgresNIO
import SanctumServices

/// Sessions: ownership, the admin list, activity and cleanup.
extension PostgresChatStore {
    public func siteOfSession(_ sessionID: String) async throws -> String? {
        try await database.read { c in try await c.value("SELECT site_id FROM web_chat_sessions WHERE id = \(sessionID)") }
    }

    public func sessions(activeSince: String?, limit: Int, offset: Int) async throws -> (sessions: [SessionSummary], total: Int64) {
        try await database.read { c in
            let rows = try await c.rows("""
                \(unescaped: Self.summarySelect) WHERE (\(activeSince)::text IS NULL OR s.last_active > \(activeSince)::text)
                ORDER BY s.last_active DESC NULLS LAST, s.id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
                """).map(Self.summary)
            let total: Int64 = try await c.value("""
                SELECT COUNT(*) FROM web_chat_sessions s WHERE (\(activeSince)::text IS NULL OR s.last_active > \(activeSince)::text)
                """) ?? 0
            return (rows, total)
        }
    }

    public func history(sessionID: String) async throws -> (session: SessionSummary, messages: [HistoryMessage], replies: [Reply])? {
        try await database.read { c in
            guard let session = try await c.rows("\(unescaped: Self.summarySelect) WHERE s.id = \(sessionID)").map(Self.summary).first else { return nil }
            let messages = try await c.rows("SELECT id, session_id, message, timestamp FROM web_chat_messages WHERE session_id = \(sessionID) ORDER BY timestamp, id")
                .map { row in
                    let (id, session, text, timestamp) = try row.decode((Int64, String, Data, String).self)
                    return HistoryMessage(id: id, sessionID: session, message: String(decoding: text, as: UTF8.self), timestamp: timestamp)
                }
            let replies = try await c.rows("""
                SELECT id, response, timestamp, message_id, metadata FROM web_chat_responses WHERE session_id = \(sessionID) ORDER BY timestamp, id
                """).map(Self.reply)
            return (session, messages, replies)
        }
    }

    public func deleteIdleSessions(before cutoff: String, now: Date) async throws -> Int {
        let stamp = Timestamps.database(now)
        return try await write { c in
            let rows = try await c.rows("""
                SELECT s.id, s.site_id FROM web_chat_sessions s WHERE s.last_active < \(cutoff)
                AND NOT EXISTS (SELECT 1 FROM web_chat_messages m WHERE m.session_id = s.id AND NOT m.processed)
                FOR UPDATE OF s
                """).map { try $0.decode((String, String).self) }
            let idle = rows.map { $0.0 }
            guard !idle.isEmpty else { return (0, []) }
            try await c.rows("""
                INSERT INTO sanctum_session_tombstones (id, uid, deleted_at, site_id)
                SELECT id, uid, \(stamp), site_id FROM web_chat_sessions WHERE id = ANY(\(idle))
                ON CONFLICT (id) DO UPDATE SET uid = excluded.uid, deleted_at = excluded.deleted_at, site_id = excluded.site_id
                """)
            try await c.rows("DELETE FROM web_chat_responses WHERE session_id = ANY(\(idle))")
            try await c.rows("DELETE FROM web_chat_messages WHERE session_id = ANY(\(idle))")
            try await c.rows("DELETE FROM web_chat_sessions WHERE id = ANY(\(idle))")
            try await c.rows("DELETE FROM sanctum_read_state WHERE session_id = ANY(\(idle))")
            // Plugins delete what they keep about these conversations (DeletedConversation).
            let drafts = rows.map { row in
                EventDraft(siteID: row.1, sessionID: "", type: ChatEvent.conversationDeleted,
                           data: ChatEvent.conversationDeletedData(sessionID: row.0, reason: "cleanup"), now: now)
            }
            return (idle.count, drafts)
        }
    }

    public func clearAll(now: Date) async throws -> DataCounts {
        try await write { c in
            let row = try await c.rows("""
                SELECT (SELECT COUNT(*) FROM web_chat_sessions), (SELECT COUNT(*) FROM web_chat_messages), (SELECT COUNT(*) FROM web_chat_responses)
                """)[0]
            let (sessions, messages, responses) = try row.decode((Int64, Int64, Int64).self)
            let deleted = try await c.rows("""
                SELECT id, site_id FROM web_chat_sessions UNION SELECT id, site_id FROM sanctum_session_tombstones ORDER BY 1
                """).map { try $0.decode((String, String).self) }
            for table in ["web_chat_responses", "web_chat_messages", "web_chat_sessions", "sanctum_session_tombstones", "sanctum_read_state", "sanctum_verified_users"] {
                try await c.rows(PostgresQuery(unsafeSQL: "DELETE FROM \(table)"))
            }
            try await EventLog.forgetAll(on: c)
            // Plugins delete what they keep about these conversations (DeletedConversation).
            let drafts = deleted.map { row in
                EventDraft(siteID: row.1, sessionID: "", type: ChatEvent.conversationDeleted,
                           data: ChatEvent.conversationDeletedData(sessionID: row.0, reason: "clear"), now: now)
            }
            return (DataCounts(sessions: sessions, messages: messages, responses: responses), drafts)
        }
    }

    public func touch(sessionIDs: [String], now: Date) async throws {
        guard !sessionIDs.isEmpty else { return }
        let stamp = Timestamps.database(now)
        try await database.write { c in
            try await c.rows("""
                UPDATE web_chat_sessions SET last_active = \(stamp)
                WHERE id = ANY(\(sessionIDs)) AND (last_active IS NULL OR last_active < \(stamp))
                """)
        }
    }

    // MARK: - Helpers run inside a write transaction

    /// Finds or creates the session row of `siteID`; a session deleted by cleanup comes back with
    /// its old uid. Another site's session is refused. Two requests creating the same session at
    /// once both succeed: the row is inserted once (`ON CONFLICT`) and read back locked.
    static func ensureSession(_ c: PostgresConnection, id: String, siteID: String, ip: String?, now: Date) async throws -> (uid: String, created: Bool) {
        if let row = try await c.rows("SELECT uid, site_id FROM web_chat_sessions WHERE id = \(id) FOR UPDATE").first {
            let (uid, owner) = try row.decode((String?, String).self)
            guard owner == siteID else { throw StoreRefusal.otherSite }
            if let uid { return (uid, false) }
            let fresh = try await freshUID(c)
            try await c.rows("UPDATE web_chat_sessions SET uid = \(fresh) WHERE id = \(id)")
            return (fresh, false)
        }
        let tombstone = try await c.rows("SELECT uid, site_id FROM sanctum_session_tombstones WHERE id = \(id)").first?.decode((String?, String).self)
        if let tombstone, tombstone.1 != siteID { throw StoreRefusal.otherSite }
        let uid: String
        if let previous = tombstone?.0 { uid = previous } else { uid = try await freshUID(c) }
        let stamp = Timestamps.database(now)
        let inserted = try await c.rows("""
            INSERT INTO web_chat_sessions (id, uid, created_at, last_active, ip_address, metadata, site_id)
            VALUES (\(id), \(uid), \(stamp), \(stamp), \(ip), '{}', \(siteID)) ON CONFLICT (id) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { return try await ensureSession(c, id: id, siteID: siteID, ip: ip, now: now) }
        if tombstone != nil { try await c.rows("DELETE FROM sanctum_session_tombstones WHERE id = \(id)") }
        return (uid, true)
    }

    /// 16 lowercase hex characters from the CSPRNG, unused by any session.
    private static func freshUID(_ c: PostgresConnection) async throws -> String {
        var rng = SystemRandomNumberGenerator()
        while true {
            let uid = (0..<8).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16).leftPadded(to: 2) }.joined()
            if try await c.rows("SELECT 1 FROM web_chat_sessions WHERE uid = \(uid)").isEmpty { return uid }
        }
    }

    /// Moves a session's `last_active` to `stamp`, never backwards.
    static func markActive(_ c: PostgresConnection, _ id: String, _ stamp: String) async throws {
        try await c.rows("UPDATE web_chat_sessions SET last_active = \(stamp) WHERE id = \(id) AND (last_active IS NULL OR last_active < \(stamp))")
    }

    /// Throws unless the session exists and belongs to `siteID`.
    static func requireSession(_ c: PostgresConnection, _ sessionID: String, siteID: String) async throws {
        guard let owner = try await c.value("SELECT site_id FROM web_chat_sessions WHERE id = \(sessionID)", as: String.self) else {
            throw StoreRefusal.unknownSession
        }
        guard owner == siteID else { throw StoreRefusal.otherSite }
    }

    private static let summarySelect = """
        SELECT s.id, s.uid, s.created_at, s.last_active, s.ip_address, s.metadata,
        (SELECT COUNT(*) FROM web_chat_messages m WHERE m.session_id = s.id),
        (SELECT COUNT(*) FROM web_chat_responses r WHERE r.session_id = s.id)
        FROM web_chat_sessions s
        """

    private static func summary(_ row: PostgresRow) throws -> SessionSummary {
        let (id, uid, created, active, ip, metadata, messages, responses) =
            try row.decode((String, String?, String?, String?, String?, String?, Int64, Int64).self)
        return SessionSummary(id: id, uid: uid, createdAt: created, lastActive: active, ipAddress: ip, metadata: metadata,
                              messageCount: messages, responseCount: responses)
    }
}
