import Foundation
import PostgresNIO
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// The PostgreSQL driver's poll, console and replay queries use indexes, as `QueryPlanTests`
/// checks for SQLite: `EXPLAIN (FORMAT JSON)` of exactly the queries the driver runs, over
/// tables holding enough rows (20,000 conversations, 40,000 messages and events, analyzed) that
/// the planner prefers an index wherever one fits. No sequential scan of a data table, no sort
/// (a search sorts its matches only).
final class PostgresQueryPlanTests: XCTestCase {
    private static let dataTables: Set<String> = ["web_chat_sessions", "web_chat_messages", "web_chat_responses", "sanctum_events", "sanctum_read_state"]
    private let now = Date(timeIntervalSince1970: 1_000_000_000)

    func testThePlansUseIndexes() async throws {
        let cluster = try PostgresTestCluster()
        let store = try await cluster.open(try await cluster.createDatabase())
        try await seed(store)
        let session = "session_001234"
        var checks: [(String, PostgresQuery, Bool)] = [
            ("held by leases", PostgresPendingQueries.heldByLeases(siteID: defaultSiteID, now: now), false),
            ("inbox page", PostgresPendingQueries.deliverable("SELECT m.id", siteID: defaultSiteID, since: nil, now: now, page: (50, 0)), false),
            ("inbox page since", PostgresPendingQueries.deliverable("SELECT m.id", siteID: defaultSiteID, since: "2026-01-01 10:00:00",
                                                                    now: now, page: (50, 0)), false),
            ("inbox total", PostgresPendingQueries.total(siteID: defaultSiteID, now: now).query, false),
            // Sorts the taken page only (at most its limit), to draft its events per conversation.
            ("inbox take", PostgresPendingQueries.take(siteID: defaultSiteID, since: nil, now: now, page: (50, 0), leaseUntil: nil,
                                                       stamp: "2026-01-01 10:00:00", floor: ("2026-01-01 00:00:00", 0)).query, true),
            ("inbox take one", PostgresPendingQueries.take(siteID: defaultSiteID, since: nil, now: now, page: (1, 0), leaseUntil: nil,
                                                           stamp: "2026-01-01 10:00:00", floor: ("2026-01-01 00:00:00", 0)).query, true),
            ("inbox take, page 3 of 30", PostgresPendingQueries.take(siteID: defaultSiteID, since: nil, now: now, page: (30, 60), leaseUntil: nil,
                                                                     stamp: "2026-01-01 10:00:00", floor: ("2026-01-01 00:00:00", 0)).query, true),
            ("inbox take since, leased", PostgresPendingQueries.take(siteID: defaultSiteID, since: "2026-01-01 10:00:00", now: now,
                                                                     page: (50, 0), leaseUntil: 2e9, stamp: "2026-01-01 10:00:00", floor: ("2026-01-01 00:00:00", 0)).query, true),
            ("inbox take since, page 2 of 20", PostgresPendingQueries.take(siteID: defaultSiteID, since: "2026-01-01 10:00:00", now: now,
                                                                           page: (20, 20), leaseUntil: nil, stamp: "2026-01-01 10:00:00", floor: ("2026-01-01 00:00:00", 0)).query, true),
            ("inbox oldest pending", PostgresPendingQueries.oldestPending(siteID: defaultSiteID), false),
            ("inbox count since", PostgresPendingQueries.deliverable("SELECT COUNT(*)", siteID: defaultSiteID, since: "2026-01-01 10:00:00", now: now), false),
            ("history session", PostgresConversationQueries.session(session), false),
            ("history read state", PostgresConversationQueries.readState(session), false),
            ("history messages", PostgresConversationQueries.historyMessages(session), false),
            ("history replies", PostgresConversationQueries.historyReplies(session), false),
            ("history last event", PostgresConversationQueries.lastEvent(session), false),
            // Sorts the moved batch only (at most its limit), to number it.
            ("event sequencing", EventLog.moveQueued(after: 40_000, limit: 1000), true),
        ]
        for site in [nil, defaultSiteID] {
            checks.append(("list of \(site ?? "all sites")", PostgresConversationQueries.page(siteID: site, prefix: nil, limit: 20, offset: 0), false))
            checks.append(("list of \(site ?? "all sites"), page 50", PostgresConversationQueries.page(siteID: site, prefix: nil, limit: 20, offset: 1000), false))
            checks.append(("search of \(site ?? "all sites")", PostgresConversationQueries.page(siteID: site, prefix: "session_0012", limit: 20, offset: 0), true))
            checks.append(("search total of \(site ?? "all sites")", PostgresConversationQueries.total(siteID: site, prefix: "0000000000000a"), true))
        }
        for cursor: Int64 in [0, 39_000] {
            checks.append(("replay of a conversation after \(cursor)", EventLog.replay(.session(session, site: defaultSiteID), after: cursor, limit: 100), false))
            checks.append(("replay of a site after \(cursor)", EventLog.replay(.site(defaultSiteID), after: cursor, limit: 100), false))
            checks.append(("replay of everything after \(cursor)", EventLog.replay(.all, after: cursor, limit: 100), false))
        }
        // Prepared statements: PostgreSQL may switch to a plan made without the values (a generic
        // plan, after five runs), which must use the indexes too: a take that joined its page to
        // the table hashed every message (with LIMIT $3 unknown) and waited on other takes' rows.
        var generic: [(String, PostgresQuery, Bool)] = []
        for (name, query, allowSort) in checks where name.hasPrefix("inbox t") || name.hasPrefix("replay") || name.hasPrefix("event") {
            generic.append(("\(name) (generic plan)", query, allowSort))
        }
        for (name, query, allowSort) in checks + generic {
            let plan: [String: Any]
            do { plan = try await explain(query, generic: name.hasSuffix("(generic plan)"), on: store) } catch {
                XCTFail("\(name): \(String(reflecting: error))")
                continue
            }
            let nodes = Self.nodes(of: plan)
            let scans = nodes.filter { $0.type == "Seq Scan" && Self.dataTables.contains($0.relation ?? "") }
            XCTAssertTrue(scans.isEmpty, "\(name) scans \(scans.compactMap { $0.relation }):\n\(query.sql)")
            if name.hasPrefix("inbox take") {
                // The scan starts at the floor (TakeFloors), past the entries of taken messages.
                let pending = nodes.first { $0.index == "sanctum_messages_pending" }
                XCTAssertTrue(pending?.condition?.contains("ROW(\"timestamp\", id) >=") == true,
                              "\(name) does not start at the floor: \(String(describing: pending))")
            }
            if !allowSort {
                XCTAssertFalse(nodes.contains { $0.type.hasSuffix("Sort") }, "\(name) sorts:\n\(query.sql)")
            }
        }
        // The store's own answers on this data, so the checked queries are the ones that work.
        let list = try await store.conversations(siteID: defaultSiteID, query: nil, limit: 3, offset: 0)
        XCTAssertEqual(list.total, 18_000)
        XCTAssertEqual(list.items.map(\.sessionID), ["session_019999", "session_019998", "session_019997"])
        let found = try await store.conversations(siteID: nil, query: "session_0012", limit: 200, offset: 0)
        XCTAssertEqual(found.total, 100)
        await cluster.shutdownAll()
    }

    /// 20,000 conversations (one in ten of site `other`), 40,000 messages of which 200 pending
    /// and 10 of those leased, 20,000 replies, 40,000 events, 5,000 read positions; analyzed.
    private func seed(_ store: PostgresChatStore) async throws {
        let statements = [
            """
            INSERT INTO web_chat_sessions (id, uid, site_id, created_at, last_active, ip_address, metadata)
            SELECT 'session_' || lpad(i::text, 6, '0'), lpad(to_hex(i), 16, '0'), CASE WHEN i % 10 = 0 THEN 'other' ELSE 'default' END,
                   to_char(timestamp '2026-01-01' + i * interval '1 second', 'YYYY-MM-DD HH24:MI:SS'),
                   to_char(timestamp '2026-01-01' + i * interval '1 second', 'YYYY-MM-DD HH24:MI:SS'), '127.0.0.1', '{}'
            FROM generate_series(0, 19999) i
            """,
            """
            INSERT INTO web_chat_messages (session_id, site_id, message, timestamp, processed, lease_until)
            SELECT 'session_' || lpad((i % 20000)::text, 6, '0'), CASE WHEN i % 10 = 0 THEN 'other' ELSE 'default' END, convert_to('m', 'UTF8'),
                   to_char(timestamp '2026-01-01' + i * interval '1 second', 'YYYY-MM-DD HH24:MI:SS'), i < 39800,
                   CASE WHEN i BETWEEN 39800 AND 39809 THEN 2e9 END
            FROM generate_series(0, 39999) i
            """,
            """
            INSERT INTO web_chat_responses (session_id, response, timestamp)
            SELECT 'session_' || lpad(i::text, 6, '0'), convert_to('r', 'UTF8'), to_char(timestamp '2026-01-02' + i * interval '1 second', 'YYYY-MM-DD HH24:MI:SS')
            FROM generate_series(0, 19999) i
            """,
            """
            INSERT INTO sanctum_events (id, site_id, session_id, seq, type, data, created_at)
            SELECT i, CASE WHEN i % 10 = 0 THEN 'other' ELSE 'default' END, 'session_' || lpad((i % 20000)::text, 6, '0'), i / 20000 + 1,
                   'message', '{}', 1e9 + i
            FROM generate_series(1, 40000) i
            """,
            "UPDATE sanctum_event_counter SET last_id = 40000",
            "INSERT INTO sanctum_read_state (session_id, agent_read_up_to) SELECT 'session_' || lpad(i::text, 6, '0'), i FROM generate_series(0, 4999) i",
            "ANALYZE",
        ]
        try await store.database.write { c in
            for statement in statements where statement != "ANALYZE" { try await c.rows(PostgresQuery(unsafeSQL: statement)) }
        }
        try await store.database.read { c in _ = try await c.rows("ANALYZE") }
    }

    /// The plan PostgreSQL chooses for `query` with its bound values.
    private func explain(_ query: PostgresQuery, generic: Bool, on store: PostgresChatStore) async throws -> [String: Any] {
        let text = try await store.database.read { c in
            guard generic else {
                return try await c.rows(PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) " + query.sql, binds: query.binds))[0].decode(Data.self)
            }
            // A generic plan is made without the values: NULLs stand for them.
            _ = try? await c.rows("DEALLOCATE plan_check")  // left by a check that failed
            try await c.rows(PostgresQuery(unsafeSQL: "PREPARE plan_check AS " + query.sql))
            try await c.rows("SET plan_cache_mode = force_generic_plan")
            let arguments = Array(repeating: "NULL", count: query.binds.count).joined(separator: ", ")
            let plan = try await c.rows(PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) EXECUTE plan_check(\(arguments))"))[0].decode(Data.self)
            try await c.rows("DEALLOCATE plan_check")
            try await c.rows("RESET plan_cache_mode")
            return plan
        }
        let parsed = try JSONSerialization.jsonObject(with: text) as? [[String: Any]]
        return parsed?.first?["Plan"] as? [String: Any] ?? [:]
    }

    /// Every node of a plan, with its type and the table it reads.
    private static func nodes(of plan: [String: Any]) -> [(type: String, relation: String?, index: String?, condition: String?)] {
        let children = (plan["Plans"] as? [[String: Any]] ?? []).flatMap(nodes(of:))
        return [(plan["Node Type"] as? String ?? "?", plan["Relation Name"] as? String, plan["Index Name"] as? String,
                 plan["Index Cond"] as? String)] + children
    }
}
