import Foundation
import PostgresNIO

/// The queries of an agent's poll, kept apart so that `PostgresQueryPlanTests` checks the plans
/// of exactly what the driver runs: each reads an index range proportional to the pending
/// messages of one site (the partial indexes of migration 1), never the whole table.
enum PostgresPendingQueries {
    /// A site's pending messages from the sharded counters of migration 3.
    static func counter(siteID: String) -> PostgresQuery {
        "SELECT COALESCE(SUM(pending), 0)::bigint FROM sanctum_pending_counts WHERE site_id = \(siteID)"
    }

    /// The pending messages of a site that active leases hold back: the leased ones and those
    /// behind a leased message of the same conversation (found through the lease index).
    static func heldByLeases(siteID: String, now: Date) -> PostgresQuery {
        let time = now.timeIntervalSince1970
        return """
            SELECT COUNT(*) FROM web_chat_messages m
            WHERE m.session_id IN (SELECT session_id FROM web_chat_messages
                                   WHERE NOT processed AND lease_until IS NOT NULL AND lease_until > \(time))
            AND NOT m.processed AND m.site_id = \(siteID)
            AND ((m.lease_until IS NOT NULL AND m.lease_until > \(time)) OR EXISTS (
                SELECT 1 FROM web_chat_messages e WHERE e.session_id = m.session_id AND NOT e.processed
                AND e.lease_until IS NOT NULL AND e.lease_until > \(time) AND e.id < m.id))
            """
    }

    /// `select` over the deliverable messages `m`: pending, of the site, not under lease, and not
    /// behind an earlier message of the same conversation that is under lease (so a lease that
    /// runs out never lets later messages of that conversation overtake it); newer than `since`
    /// when given (a condition only then, so each case plans on the pending index). With a
    /// `page`, the rows are ordered, paged and locked for this transaction, skipping rows
    /// another transaction holds. `select` is constant SQL; every value is bound.
    static func deliverable(_ select: String, siteID: String, since: String?, now: Date,
                            page: (limit: Int, offset: Int)? = nil) -> PostgresQuery {
        var q = BoundSQL()
        let time = q.bind(now.timeIntervalSince1970), site = q.bind(siteID)
        q.append("""
            \(select) FROM web_chat_messages m
            WHERE NOT m.processed AND m.site_id = \(site) AND (m.lease_until IS NULL OR m.lease_until <= \(time))
            AND NOT EXISTS (SELECT 1 FROM web_chat_messages e WHERE e.session_id = m.session_id AND NOT e.processed
                            AND e.lease_until IS NOT NULL AND e.lease_until > \(time) AND e.id < m.id)
            """)
        if let since {
            let after = q.bind(since)
            q.append(" AND m.timestamp > \(after)")
        }
        if let page {
            let limit = q.bind(Int64(page.limit)), offset = q.bind(Int64(page.offset))
            q.append(" ORDER BY m.timestamp, m.id LIMIT \(limit) OFFSET \(offset) FOR UPDATE OF m SKIP LOCKED")
        }
        return q.query
    }
}
