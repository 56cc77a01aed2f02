/// The console's conversation list: queries whose cost must not grow with the number of
/// conversations (nor of messages in one), kept apart so a test can check their plans.
enum ConversationQueries {
    /// One page, newest activity first, with message, reply and unread counts; `filter` is empty
    /// or a `WHERE` clause over `s` (site, id or uid prefix). Binds the filter's values, then the
    /// limit and the offset.
    static func page(filter: String) -> String {
        """
        SELECT s.id, s.uid, s.site_id, s.last_active,
          (SELECT COUNT(*) FROM web_chat_messages m WHERE m.session_id = s.id),
          (SELECT COUNT(*) FROM web_chat_responses r WHERE r.session_id = s.id),
          (SELECT COUNT(*) FROM web_chat_messages m WHERE m.session_id = s.id AND m.id > COALESCE(rs.agent_read_up_to, 0))
        FROM web_chat_sessions s LEFT JOIN sanctum_read_state rs ON rs.session_id = s.id\(filter)
        ORDER BY s.last_active DESC, s.id DESC LIMIT ? OFFSET ?
        """
    }

    /// The newest visitor message of a conversation.
    static let lastMessage = "SELECT message, timestamp, id FROM web_chat_messages WHERE session_id = ? ORDER BY id DESC LIMIT 1"

    /// The newest agent reply of a conversation.
    static let lastReply = "SELECT response, timestamp, id FROM web_chat_responses WHERE session_id = ? ORDER BY id DESC LIMIT 1"

    /// The number of conversations of one site, or of all sites, from the counters of schema
    /// version 6.
    static func count(siteID: String?) -> String {
        siteID == nil
            ? "SELECT COALESCE(SUM(sessions), 0) FROM sanctum_session_counts"
            : "SELECT sessions FROM sanctum_session_counts WHERE site_id = ?"
    }
}
