/// The queries behind an inbox poll's `total`, kept apart so a test can check their plans
/// (index use, no scan of the messages table).
enum PendingQueries {
    /// A site's pending messages, kept by the triggers of schema version 6.
    static let counter = "SELECT pending FROM sanctum_pending_counts WHERE site_id = ?"

    /// Whether any lease is active at a time (bound once).
    static let anyActiveLease = """
        SELECT 1 FROM web_chat_messages INDEXED BY sanctum_messages_leased
        WHERE processed = 0 AND lease_until IS NOT NULL AND lease_until > ? LIMIT 1
        """

    /// A site's pending messages that an active lease holds back: leased themselves, or behind an
    /// earlier leased message of their conversation. Only conversations with an active lease are
    /// read (`?1` the site, `?2` the time).
    static let heldByLeases = """
        SELECT COUNT(*) FROM web_chat_messages m INDEXED BY idx_messages_session_id
        WHERE m.session_id IN (
                SELECT session_id FROM web_chat_messages INDEXED BY sanctum_messages_leased
                WHERE processed = 0 AND lease_until IS NOT NULL AND lease_until > ?2)
            AND m.processed = 0 AND m.site_id = ?1
            AND ((m.lease_until IS NOT NULL AND m.lease_until > ?2) OR EXISTS (
                SELECT 1 FROM web_chat_messages e INDEXED BY sanctum_messages_leased
                WHERE e.session_id = m.session_id AND e.processed = 0 AND e.lease_until IS NOT NULL
                    AND e.lease_until > ?2 AND e.id < m.id))
        """
}
