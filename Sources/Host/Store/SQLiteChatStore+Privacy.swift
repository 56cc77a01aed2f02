import Foundation
import SanctumServices

/// Erasing conversations for good (docs/privacy.md): one transaction, then a checkpoint that
/// truncates the write-ahead log. With `secure_delete` (set when the database opens) the deleted
/// rows are zeroed in the file, so the erased texts are in neither the database nor its WAL.
extension SQLiteChatStore {
    public func eraseConversations(sessionIDs: [String], reason: String, now: Date) async throws -> ErasedConversations {
        let ids = Set(sessionIDs).sorted()
        guard !ids.isEmpty else { return ErasedConversations() }
        let erased = try await database.write { c in
            var erased = ErasedConversations()
            for id in ids {
                let key = SQLValue.text(id)
                let site = try c.scalar("SELECT site_id FROM web_chat_sessions WHERE id = ?", [key])?.text
                    ?? c.scalar("SELECT site_id FROM sanctum_session_tombstones WHERE id = ?", [key])?.text
                    ?? c.scalar("SELECT site_id FROM web_chat_messages WHERE session_id = ? LIMIT 1", [key])?.text
                    ?? c.scalar("SELECT site_id FROM sanctum_events WHERE session_id = ? LIMIT 1", [key])?.text
                guard let site else { continue }
                erased.sessionIDs.append(id)
                erased.messageIDs += try c.query("SELECT id FROM web_chat_messages WHERE session_id = ? ORDER BY id", [key]) { $0.int(0) }
                erased.replyIDs += try c.query("SELECT id FROM web_chat_responses WHERE session_id = ? ORDER BY id", [key]) { $0.int(0) }
                erased.events += try c.run("DELETE FROM sanctum_events WHERE session_id = ?", [key])
                erased.events += try c.run("DELETE FROM sanctum_events WHERE session_id = '' AND type = 'plugin' AND instr(data, ?) > 0",
                                           [.text("\"" + id + "\"")])
                try c.run("DELETE FROM web_chat_responses WHERE session_id = ?", [key])
                try c.run("DELETE FROM web_chat_messages WHERE session_id = ?", [key])
                try c.run("DELETE FROM web_chat_sessions WHERE id = ?", [key])
                try c.run("DELETE FROM sanctum_session_tombstones WHERE id = ?", [key])
                try c.run("DELETE FROM sanctum_read_state WHERE session_id = ?", [key])
                try c.run("DELETE FROM sanctum_verified_users WHERE session_id = ?", [key])  // the user's name and email
                try self.appendEvent(c, siteID: site, sessionID: "", type: ChatEvent.conversationDeleted,
                                     data: ChatEvent.conversationDeletedData(sessionID: id, reason: reason), now: now)
            }
            return erased
        }
        if !erased.sessionIDs.isEmpty { try await database.checkpoint() }
        return erased
    }

    public func sessionsInactive(siteID: String, before cutoff: String, limit: Int) async throws -> [String] {
        try database.read { c in
            try c.query("""
                SELECT id FROM web_chat_sessions WHERE site_id = ? AND (last_active IS NULL OR last_active < ?)
                ORDER BY last_active, id LIMIT ?
                """, [.text(siteID), .text(cutoff), .int(Int64(limit))]) { $0.text(0) ?? "" }
        }
    }
}
