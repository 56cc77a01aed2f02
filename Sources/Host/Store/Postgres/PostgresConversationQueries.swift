import PostgresNIO

/// The console's queries on PostgreSQL (conversation list, a conversation's history), kept apart
/// so that `PostgresQueryPlanTests` checks the plans of exactly what the driver runs. The list is
/// assembled per case (all sites or one, with or without a search), so each case plans on its
/// index: `sanctum_sessions_recent` / `sanctum_sessions_site_recent` (migration 4) give its
/// order without a sort; a search reads the id and uid index ranges of its prefix.
enum PostgresConversationQueries {
    /// One page of conversations, newest activity first, with counts, unread and the last
    /// message and reply. Everything but the sessions is read per listed row (subqueries and
    /// lateral joins on the session indexes), so a page costs the same however many
    /// conversations there are.
    static func page(siteID: String?, prefix: String?, limit: Int, offset: Int) -> PostgresQuery {
        var q = BoundSQL()
        let filter = conditions(&q, siteID: siteID, prefix: prefix)
        let limit = q.bind(Int64(limit)), offset = q.bind(Int64(offset))
        q.append("""
            SELECT s.id, s.uid, s.site_id, s.last_active,
              (SELECT COUNT(*) FROM web_chat_messages m WHERE m.session_id = s.id),
              (SELECT COUNT(*) FROM web_chat_responses r WHERE r.session_id = s.id),
              (SELECT COUNT(*) FROM web_chat_messages m WHERE m.session_id = s.id
                 AND m.id > COALESCE((SELECT rs.agent_read_up_to FROM sanctum_read_state rs WHERE rs.session_id = s.id), 0)),
              lm.message, lm.timestamp, lr.response, lr.timestamp
            FROM web_chat_sessions s
            LEFT JOIN LATERAL (SELECT message, timestamp FROM web_chat_messages WHERE session_id = s.id ORDER BY id DESC LIMIT 1) lm ON TRUE
            LEFT JOIN LATERAL (SELECT response, timestamp FROM web_chat_responses WHERE session_id = s.id ORDER BY id DESC LIMIT 1) lr ON TRUE
            \(filter)
            ORDER BY s.last_active DESC NULLS LAST, s.id DESC LIMIT \(limit) OFFSET \(offset)
            """)
        return q.query
    }

    /// The list's total: the per-site counters (migration 3) without a search, the matches with one.
    static func total(siteID: String?, prefix: String?) -> PostgresQuery {
        var q = BoundSQL()
        if prefix == nil {
            let site = siteID.map { q.bind($0) }
            q.append("SELECT COALESCE(SUM(sessions), 0)::bigint FROM sanctum_session_counts" + (site.map { " WHERE site_id = \($0)" } ?? ""))
        } else {
            let filter = conditions(&q, siteID: siteID, prefix: prefix)
            q.append("SELECT COUNT(*) FROM web_chat_sessions s \(filter)")
        }
        return q.query
    }

    /// The `WHERE` clause over sessions `s` of a site and an id or uid prefix (empty for none).
    /// The prefix is an index range (text is `COLLATE "C"`: byte order) checked with `starts_with`.
    private static func conditions(_ q: inout BoundSQL, siteID: String?, prefix: String?) -> String {
        var conditions: [String] = []
        if let siteID { conditions.append("s.site_id = \(q.bind(siteID))") }
        if let prefix {
            let from = q.bind(prefix), to = q.bind(prefix + "\u{10FFFF}")
            conditions.append("""
                ((s.id >= \(from) AND s.id < \(to) AND starts_with(s.id, \(from))) OR (s.uid >= \(from) AND s.uid < \(to) AND starts_with(s.uid, \(from))))
                """)
        }
        return conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    /// A conversation's session row.
    static func session(_ sessionID: String) -> PostgresQuery {
        "SELECT uid, site_id FROM web_chat_sessions WHERE id = \(sessionID)"
    }

    /// A conversation's read positions.
    static func readState(_ sessionID: String) -> PostgresQuery {
        "SELECT agent_read_up_to, visitor_read_up_to FROM sanctum_read_state WHERE session_id = \(sessionID)"
    }

    /// A conversation's visitor messages with their delivery state (the caller orders the history).
    static func historyMessages(_ sessionID: String) -> PostgresQuery {
        """
        SELECT id, message, timestamp, processed OR delivered_at IS NOT NULL OR lease_until IS NOT NULL, metadata
        FROM web_chat_messages WHERE session_id = \(sessionID)
        """
    }

    /// A conversation's replies.
    static func historyReplies(_ sessionID: String) -> PostgresQuery {
        "SELECT id, response, timestamp, metadata FROM web_chat_responses WHERE session_id = \(sessionID)"
    }

    /// The newest event of a conversation.
    static func lastEvent(_ sessionID: String) -> PostgresQuery {
        "SELECT MAX(id) FROM sanctum_events WHERE session_id = \(sessionID)"
    }
}
