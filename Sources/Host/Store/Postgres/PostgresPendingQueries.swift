import Foundation
import PostgresNIO

/// The queries of an agent's poll, kept apart so that `PostgresQueryPlanTests` checks the plans
/// of exactly what the driver runs: each reads an index range proportional to the pending
/// messages of one site (the partial indexes of migration 1), never the whole table. A poll that
/// takes messages is two prepared statements: ``total(siteID:now:)`` and ``take(siteID:since:now:page:leaseUntil:stamp:)``.
enum PostgresPendingQueries {
    /// A site's deliverable messages, in one statement: the pending ones from the sharded
    /// counters of migrations 3 and 6, less those active leases hold back (few; see
    /// ``heldByLeases(siteID:now:)``; looked for only when something is pending). Prepared.
    static func total(siteID: String, now: Date) -> Prepared<TotalSQL> {
        Prepared { b in
            b.append(siteID)
            b.append(now.timeIntervalSince1970)
        }
    }

    /// The SQL of ``total(siteID:now:)``: $1 the site, $2 the time (Unix seconds).
    enum TotalSQL: PreparedSQL {
        static let sql = """
            SELECT CASE WHEN pending > 0 THEN pending - (\(heldByLeasesSQL)) ELSE 0 END
            FROM (SELECT COALESCE(SUM(pending), 0)::bigint AS pending FROM sanctum_pending_counts WHERE site_id = $1::text) AS counted
            """
    }

    /// The position (timestamp, id) of a site's oldest pending message (no row: none): read from
    /// the head of the pending index, past the entries of taken messages `VACUUM` has not removed yet.
    static func oldestPending(siteID: String) -> PostgresQuery {
        "SELECT timestamp, id FROM web_chat_messages WHERE NOT processed AND site_id = \(siteID) ORDER BY timestamp, id LIMIT 1"
    }

    /// The pending messages of a site that active leases hold back: the leased ones and those
    /// behind a leased message of the same conversation (found through the lease index).
    static func heldByLeases(siteID: String, now: Date) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(siteID)
        binds.append(now.timeIntervalSince1970)
        return PostgresQuery(unsafeSQL: heldByLeasesSQL, binds: binds)
    }

    private static let heldByLeasesSQL = """
        SELECT COUNT(*) FROM web_chat_messages m
        WHERE m.session_id IN (SELECT session_id FROM web_chat_messages
                               WHERE NOT processed AND lease_until IS NOT NULL AND lease_until > $2::float8)
        AND NOT m.processed AND m.site_id = $1::text
        AND ((m.lease_until IS NOT NULL AND m.lease_until > $2::float8) OR EXISTS (
            SELECT 1 FROM web_chat_messages e WHERE e.session_id = m.session_id AND NOT e.processed
            AND e.lease_until IS NOT NULL AND e.lease_until > $2::float8 AND e.id < m.id))
        """

    /// Takes one page of a site's deliverable messages in one statement (its own transaction):
    /// locks the page (skipping rows another transaction holds), marks it delivered — or leased
    /// until `leaseUntil` — and queues one `delivered` event per conversation, in conversation
    /// order, for the sequencer to move into the log. Rows: id, session id, text, timestamp, uid,
    /// metadata, and the conversation's verified user (id, name, email; NULL when none). The
    /// scan starts at `floor`, a position no pending message of the site is before
    /// (``TakeFloors``). Prepared: one statement per ``TakeFilter`` and ``TakePage``.
    static func take(siteID: String, since: String?, now: Date, page: (limit: Int, offset: Int), leaseUntil: Double?,
                     stamp: String, floor: TakeFloors.Position) -> any PreparedQuery {
        let first = page.offset == 0 ? firstPages.first { $0.limit == page.limit } : nil
        let shape: any TakePage.Type = first ?? AnyPage.self
        return take(siteID: siteID, since: since, now: now, page: page, leaseUntil: leaseUntil, stamp: stamp, floor: floor, as: shape)
    }

    /// The pages whose LIMIT is written in the take's SQL: the first pages of the usual sizes
    /// (1 is broca's start-up probe and the one-at-a-time agent, 50 the default).
    static let firstPages: [any TakePage.Type] = [FirstOf1.self, FirstOf10.self, FirstOf20.self, FirstOf25.self, FirstOf50.self, FirstOf100.self]

    private static func take<Page: TakePage>(siteID: String, since: String?, now: Date, page: (limit: Int, offset: Int),
                                             leaseUntil: Double?, stamp: String, floor: TakeFloors.Position, as _: Page.Type) -> any PreparedQuery {
        func bind(_ b: inout PostgresBindings) {
            b.append(siteID)
            b.append(now.timeIntervalSince1970)
            b.append(leaseUntil == nil)
            b.append(leaseUntil)
            b.append(stamp)
            b.append(floor.timestamp)
            b.append(floor.id)
            if let since { b.append(since) }
            if Page.limit == nil {
                b.append(Int64(page.limit))
                b.append(Int64(page.offset))
            }
        }
        return since == nil ? Prepared<TakeSQL<AllPending, Page>>(bind) : Prepared<TakeSQL<NewerThan, Page>>(bind)
    }

    /// The SQL of ``take(siteID:since:now:page:leaseUntil:stamp:)``: $1 the site, $2 the time,
    /// $3 processed, $4 the lease's end (NULL: none), $5 the delivery timestamp, $6 and $7 the
    /// floor, then the filter's value (if any), then the limit and offset (if bound).
    enum TakeSQL<Filter: TakeFilter, Page: TakePage>: PreparedSQL {
        static var sql: String {
            let next = Filter.condition == nil ? 8 : 9
            return takeSQL(condition: Filter.condition ?? "",
                           page: Page.limit.map { "LIMIT \($0)" } ?? "LIMIT $\(next)::bigint OFFSET $\(next + 1)::bigint")
        }
    }

    /// The page is updated by id (`= ANY`), an index lookup whatever the plan: joined to the page,
    /// a plan made without the limit's value (PostgreSQL's generic plan) hashed every message.
    private static func takeSQL(condition: String, page: String) -> String {
        """
        WITH picked AS (
            \(deliverableSQL("SELECT m.id", site: "$1::text", time: "$2::float8")) AND (m.timestamp, m.id) >= ($6::text, $7::bigint)\(condition)
            ORDER BY m.timestamp, m.id \(page) FOR UPDATE OF m SKIP LOCKED
        ),
        taken AS (
            UPDATE web_chat_messages m SET processed = $3::boolean, lease_until = $4::float8, delivered_at = COALESCE(m.delivered_at, $5::text)
            WHERE m.id = ANY(ARRAY(SELECT id FROM picked))
            RETURNING m.id, m.session_id, m.message, m.timestamp, m.metadata
        ),
        queued AS (
            INSERT INTO sanctum_event_queue (site_id, session_id, type, data, created_at)
            SELECT $1::text, t.session_id, 'delivered', json_build_object('message_ids', json_agg(t.id ORDER BY t.id))::text, $2::float8
            FROM taken t GROUP BY t.session_id ORDER BY t.session_id
        )
        SELECT t.id, t.session_id, t.message, t.timestamp, (SELECT s.uid FROM web_chat_sessions s WHERE s.id = t.session_id), t.metadata,
               v.user_id, v.name, v.email
        FROM taken t LEFT JOIN sanctum_verified_users v ON v.session_id = t.session_id
        """
    }

    private static func deliverableSQL(_ select: String, site: String, time: String) -> String {
        """
        \(select) FROM web_chat_messages m
        WHERE NOT m.processed AND m.site_id = \(site) AND (m.lease_until IS NULL OR m.lease_until <= \(time))
        AND NOT EXISTS (SELECT 1 FROM web_chat_messages e WHERE e.session_id = m.session_id AND NOT e.processed
                        AND e.lease_until IS NOT NULL AND e.lease_until > \(time) AND e.id < m.id)
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
        q.append(deliverableSQL(select, site: site, time: time))
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

extension PostgresPendingQueries {
    /// Which pending messages a take considers: its condition on `m`, with its value bound as $8 (nil: none).
    protocol TakeFilter { static var condition: String? { get } }
    /// Every deliverable message.
    enum AllPending: TakeFilter { static let condition: String? = nil }
    /// The deliverable messages newer than a timestamp (`since`).
    enum NewerThan: TakeFilter { static let condition: String? = " AND m.timestamp > $8::text" }

    /// The page a take asks for. With its LIMIT written in the SQL, PostgreSQL keeps the
    /// statement's generic plan (planned once per connection: pgbench on a 100,000-message
    /// backlog, 0.7 ms a take instead of 1.2–1.5 ms); with LIMIT and OFFSET bound it plans every
    /// call anew, since a plan made without their values assumes a tenth of the table and loses.
    protocol TakePage: Sendable { static var limit: Int? { get } }
    /// Any page: LIMIT and OFFSET bound.
    enum AnyPage: TakePage { static let limit: Int? = nil }
    /// The first page of 1 message (OFFSET 0), and so on.
    enum FirstOf1: TakePage { static let limit: Int? = 1 }
    enum FirstOf10: TakePage { static let limit: Int? = 10 }
    enum FirstOf20: TakePage { static let limit: Int? = 20 }
    enum FirstOf25: TakePage { static let limit: Int? = 25 }
    enum FirstOf50: TakePage { static let limit: Int? = 50 }
    enum FirstOf100: TakePage { static let limit: Int? = 100 }
}
