import Foundation
import PostgresNIO
import SanctumServices

/// Erasing conversations for good (docs/privacy.md). PostgreSQL keeps dead row versions until
/// `VACUUM` reclaims them, and its write-ahead log until checkpoints recycle it: the erased rows
/// are invisible at once, physically gone after the next (auto)vacuum and WAL recycling.
extension PostgresChatStore {
    public func eraseConversations(sessionIDs: [String], reason: String, now: Date) async throws -> ErasedConversations {
        let ids = Set(sessionIDs).sorted()
        guard !ids.isEmpty else { return ErasedConversations() }
        return try await write { c in
            var erased = ErasedConversations()
            var drafts: [EventDraft] = []
            for id in ids {
                let site: String? = try await c.value("""
                    SELECT site_id FROM (
                        SELECT site_id, 1 AS rank FROM web_chat_sessions WHERE id = \(id)
                        UNION ALL SELECT site_id, 2 FROM sanctum_session_tombstones WHERE id = \(id)
                        UNION ALL (SELECT site_id, 3 FROM web_chat_messages WHERE session_id = \(id) LIMIT 1)
                        UNION ALL (SELECT site_id, 4 FROM sanctum_events WHERE session_id = \(id) LIMIT 1)
                    ) owners ORDER BY rank LIMIT 1
                    """)
                guard let site else { continue }
                try await c.rows("SELECT id FROM web_chat_sessions WHERE id = \(id) FOR UPDATE")
                erased.sessionIDs.append(id)
                erased.messageIDs += try await c.rows("DELETE FROM web_chat_messages WHERE session_id = \(id) RETURNING id")
                    .map { try $0.decode(Int64.self) }.sorted()
                erased.replyIDs += try await c.rows("DELETE FROM web_chat_responses WHERE session_id = \(id) RETURNING id")
                    .map { try $0.decode(Int64.self) }.sorted()
                try await c.rows("DELETE FROM web_chat_sessions WHERE id = \(id)")
                try await c.rows("DELETE FROM sanctum_session_tombstones WHERE id = \(id)")
                try await c.rows("DELETE FROM sanctum_read_state WHERE session_id = \(id)")
                try await c.rows("DELETE FROM sanctum_verified_users WHERE session_id = \(id)")  // the user's name and email
                drafts.append(EventDraft(siteID: site, sessionID: "", type: ChatEvent.conversationDeleted,
                                         data: ChatEvent.conversationDeletedData(sessionID: id, reason: reason), now: now))
            }
            erased.events = try await EventLog.forget(sessionIDs: erased.sessionIDs, on: c)
            return (erased, drafts)
        }
    }

    public func sessionsInactive(siteID: String, before cutoff: String, limit: Int) async throws -> [String] {
        try await database.read { c in
            try await c.rows("""
                SELECT id FROM web_chat_sessions WHERE site_id = \(siteID) AND (last_active IS NULL OR last_active < \(cutoff))
                ORDER BY last_active NULLS FIRST, id LIMIT \(Int64(limit))
                """).map { try $0.decode(String.self) }
        }
    }
}
