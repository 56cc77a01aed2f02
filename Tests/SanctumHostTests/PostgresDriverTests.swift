import Foundation
import SanctumServices
import XCTest
@testable import SanctumHost

/// What only the PostgreSQL driver has: several instances on one database, its migrations.
final class PostgresDriverTests: XCTestCase {
    /// Two driver instances (two pools, as two servers would have) increment one plugin counter
    /// 25 times each, all at once: none of the 50 increments is lost.
    func testTwoInstancesIncrementOneCounter() async throws {
        let cluster = try PostgresTestCluster()
        let url = try await cluster.createDatabase()
        let first = try await cluster.open(url)
        let second = try await cluster.open(url)
        let storages = [first, second].map { StorePluginStorage(pluginID: "p", store: $0, clock: { Date() }) }
        let results = try await withThrowingTaskGroup(of: Int64.self) { group in
            for storage in storages {
                for _ in 0..<25 { group.addTask { try await storage.increment("hits") } }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        XCTAssertEqual(results.sorted(), Array(1...50), "each increment saw its own new value")
        let counted = try await storages[0].counter("hits")
        XCTAssertEqual(counted, 50)
        let seenByOther = try await storages[1].counter("hits")
        XCTAssertEqual(seenByOther, 50)
        await cluster.shutdownAll()
    }

    /// An inbox take starts at its instance's floor for the site (``TakeFloors``): a message
    /// another instance posts with a clock further behind than the allowance is taken once the
    /// floor is read again, within ``TakeFloors/refresh``; one within the allowance at once.
    func testATakeFindsMessagesOlderThanItsFloor() async throws {
        let cluster = try PostgresTestCluster()
        let url = try await cluster.createDatabase()
        let agentSide = try await cluster.open(url)
        let visitorSide = try await cluster.open(url)
        let now = Date()
        _ = try await visitorSide.postMessage(siteID: defaultSiteID, sessionID: "session_a", text: "now", metadata: nil,
                                              clientMessageID: nil, ip: nil, now: now)
        let first = try await agentSide.takeInbox(siteID: defaultSiteID, limit: 50, offset: 0, since: nil, lease: nil, now: now)
        XCTAssertEqual(first.messages.map(\.message), ["now"])
        for (session, text, behind) in [("session_b", "5 s behind", 5.0), ("session_c", "a minute behind", 60.0)] {
            _ = try await visitorSide.postMessage(siteID: defaultSiteID, sessionID: session, text: text, metadata: nil,
                                                  clientMessageID: nil, ip: nil, now: now - behind)
        }
        let second = try await agentSide.takeInbox(siteID: defaultSiteID, limit: 50, offset: 0, since: nil, lease: nil, now: now)
        XCTAssertEqual(second.messages.map(\.message), ["5 s behind"], "within the allowance: at once")
        XCTAssertEqual(second.total, 2, "the total counts both")
        try await Task.sleep(for: TakeFloors.refresh + .milliseconds(100))
        let third = try await agentSide.takeInbox(siteID: defaultSiteID, limit: 50, offset: 0, since: nil, lease: nil, now: now)
        XCTAssertEqual(third.messages.map(\.message), ["a minute behind"], "behind by more: once the floor is read again")
        await cluster.shutdownAll()
    }

    /// The per-site counters behind an inbox poll's and the conversation list's totals stay equal
    /// to real counts after every kind of write, raw SQL included (what SQLite's
    /// `PendingCountTests` checks for its driver).
    func testTheCountersMatchCountsAfterEveryKindOfWrite() async throws {
        let cluster = try PostgresTestCluster()
        let store = try await cluster.open(try await cluster.createDatabase())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0..<30 {
            let site = i % 3 == 0 ? "other" : defaultSiteID
            _ = try await store.postMessage(siteID: site, sessionID: "session_\(site)\(i % 5)", text: "m\(i)", clientMessageID: nil, ip: nil, now: now)
        }
        func assertMatches(_ step: String) async throws {
            for site in ["other", defaultSiteID] {
                let counted: Int64 = try await store.database.read { c in
                    try await c.value("SELECT COUNT(*) FROM web_chat_messages WHERE NOT processed AND site_id = \(site)") ?? -1
                }
                let total = try await store.pendingCount(siteID: site, since: nil, now: now.addingTimeInterval(3600))
                XCTAssertEqual(total, counted, "\(step): pending of \(site)")
                let sessions: Int64 = try await store.database.read { c in
                    try await c.value("SELECT COUNT(*) FROM web_chat_sessions WHERE site_id = \(site)") ?? -1
                }
                let listed = try await store.conversations(siteID: site, query: nil, limit: 1, offset: 0).total
                XCTAssertEqual(listed, sessions, "\(step): conversations of \(site)")
            }
        }
        try await assertMatches("posted")
        _ = try await store.takeInbox(siteID: defaultSiteID, limit: 4, offset: 0, since: nil, lease: nil, now: now)
        let leased = try await store.takeInbox(siteID: defaultSiteID, limit: 3, offset: 0, since: nil, lease: 60, now: now)
        let heldBack = try await store.pendingCount(siteID: defaultSiteID, since: nil, now: now)
        let afterExpiry = try await store.pendingCount(siteID: defaultSiteID, since: nil, now: now.addingTimeInterval(61))
        XCTAssertLessThan(heldBack, afterExpiry, "active leases hold their conversations back")
        _ = try await store.acknowledge(siteID: defaultSiteID, messageIDs: leased.messages.map(\.id), now: now)
        try await assertMatches("taken, leased, acknowledged")
        try await store.database.write { c in
            _ = try await c.rows("UPDATE web_chat_messages SET processed = TRUE WHERE id IN (SELECT id FROM web_chat_messages WHERE NOT processed LIMIT 2)")
            _ = try await c.rows("UPDATE web_chat_messages SET processed = FALSE WHERE id = 1")
            _ = try await c.rows("UPDATE web_chat_messages SET site_id = 'other' WHERE id = 2")
            _ = try await c.rows("DELETE FROM web_chat_messages WHERE session_id = 'session_default4'")
            _ = try await c.rows("DELETE FROM web_chat_sessions WHERE id = 'session_default4'")
            _ = try await c.rows("UPDATE web_chat_sessions SET site_id = 'other' WHERE id = 'session_default3'")
        }
        try await assertMatches("raw SQL")
        await cluster.shutdownAll()
    }

    /// Two driver instances post 20 messages each, all at once: the log has gapless ids in
    /// commit order and per-conversation sequences, and each instance's sink receives all 40
    /// events — its own at once, the other's through LISTEN/NOTIFY — once each, in id order.
    func testTwoInstancesShareOneEventLogAndEachSinkSeesEveryEventOnceInOrder() async throws {
        let cluster = try PostgresTestCluster()
        let url = try await cluster.createDatabase()
        let sinks = [EventRecorder(), EventRecorder()]
        let stores = [try await cluster.open(url, eventSink: { sinks[0].record($0) }), try await cluster.open(url, eventSink: { sinks[1].record($0) })]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                for n in 0..<20 {
                    group.addTask {
                        _ = try await store.postMessage(siteID: defaultSiteID, sessionID: "session_\(n % 4)", text: "m\(index)-\(n)",
                                                        clientMessageID: nil, ip: nil, now: Date())
                    }
                }
            }
            try await group.waitForAll()
        }
        let events = try await stores[0].events(in: .all, after: 0, limit: 100)
        XCTAssertEqual(events.map(\.id), Array(1...40), "gapless ids in commit order")
        for session in 0..<4 {
            XCTAssertEqual(events.filter { $0.sessionID == "session_\(session)" }.map(\.seq), Array(1...10), "per-conversation sequence")
        }
        for sink in sinks {
            try await sink.waitFor(count: 40)
            XCTAssertEqual(sink.ids, Array(1...40), "every instance's events, once each, in id order")
        }
        await cluster.shutdownAll()
    }

    /// Every connection of the database is killed (as a database restart does): while the
    /// listener is away the instance refuses queries with `DatabaseUnavailable` (503); it
    /// reconnects by itself, listens again, and its sink catches up with what the other
    /// instance committed meanwhile — nothing missed, nothing twice.
    func testAnInstanceThatLostItsConnectionsReconnectsAndCatchesUp() async throws {
        let cluster = try PostgresTestCluster()
        let url = try await cluster.createDatabase()
        let sink = EventRecorder()
        let listening = try await cluster.open(url, eventSink: { sink.record($0) })
        defer { withExtendedLifetime(listening) {} }
        let writer = try await cluster.open(url)
        _ = try await writer.postMessage(siteID: defaultSiteID, sessionID: "session_r", text: "before", clientMessageID: nil, ip: nil, now: Date())
        try await sink.waitFor(count: 1)
        let killer = try await cluster.open(url)
        try await killer.database.read { c in
            _ = try await c.rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        }
        // Each instance notices the outage on its own schedule (its listener, or its heartbeat):
        // every call may meet it, once or a few times, until that instance has reconnected.
        func outlastingTheOutage<T: Sendable>(_ call: () async throws -> T) async throws -> T {
            for _ in 0..<200 {
                do { return try await call() } catch {
                    XCTAssertTrue(DatabaseOutage.covers(error), "an outage, not another failure: \(error)")
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            return try await call()
        }
        _ = try await outlastingTheOutage {
            try await writer.postMessage(siteID: defaultSiteID, sessionID: "session_r", text: "after", clientMessageID: "c-after", ip: nil, now: Date())
        }
        _ = try await outlastingTheOutage {
            try await writer.postMessage(siteID: defaultSiteID, sessionID: "session_r", text: "last", clientMessageID: "c-last", ip: nil, now: Date())
        }
        let newest = try await outlastingTheOutage { try await writer.eventRange().newest }
        try await sink.waitFor(count: Int(newest))
        XCTAssertEqual(sink.ids, Array(1...newest), "caught up after reconnecting: nothing missed, nothing repeated")
        await cluster.shutdownAll()
    }

    /// `--database postgres://…` serves from PostgreSQL: a visitor's message reaches the inbox.
    func testServerRunsOnPostgres() async throws {
        let cluster = try PostgresTestCluster()
        let url = try await cluster.createDatabase()
        try await withServer(database: cluster.urlText(url)) { client, _ in
            let posted = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_pg_1","message":"hello postgres"}"#)
            XCTAssertEqual(posted.status, .ok, posted.text)
            let inbox = try await client.get("/api/v1/?action=inbox", key: TestKeys.api)
            XCTAssertEqual(inbox.status, .ok, inbox.text)
            XCTAssertTrue(inbox.text.contains("hello postgres"), inbox.text)
        }
    }

    /// `sslmode=require` and `verify-ca` (with the cluster's certificate as the root) connect over
    /// TLS; `verify-ca` with the system's roots refuses the self-signed certificate.
    func testTLSWhenTheURLAsksForIt() async throws {
        let cluster = try PostgresTestCluster()
        let url = try await cluster.createDatabase()
        guard let certificate = ProcessInfo.processInfo.environment["SANCTUM_TEST_POSTGRES_CA"] else {
            throw XCTSkip("SANCTUM_TEST_POSTGRES_CA is not set (scripts/postgres-test-cluster sets it)")
        }
        for parameters in ["sslmode=require", "sslmode=verify-ca&sslrootcert=\(certificate)"] {
            let store = try await cluster.open(try PostgresURL(cluster.urlText(url) + "?" + parameters))
            let encrypted = try await store.database.read { c in
                try await c.value("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", as: Bool.self)
            }
            XCTAssertEqual(encrypted, true, parameters)
        }
        let untrusted = try PostgresURL(cluster.urlText(url) + "?sslmode=verify-ca&connect_timeout=5")
        do {
            _ = try await cluster.open(untrusted)
            XCTFail("a self-signed certificate must not pass verify-ca with the system's roots")
        } catch {}
        await cluster.shutdownAll()
    }

    /// A fresh database gets every migration once; opening it again (or several instances at
    /// once) changes nothing; a database one additive migration ahead is used as it is (rolling
    /// upgrades), one whose newer migration older builds cannot read is refused.
    func testMigrations() async throws {
        let cluster = try PostgresTestCluster()
        let url = try await cluster.createDatabase()
        async let a = cluster.open(url)
        async let b = cluster.open(url)
        let store = try await a
        _ = try await b
        let versions = try await store.database.read { c in
            try await c.rows("SELECT version FROM sanctum_schema_migrations ORDER BY version").map { try $0.decode(Int64.self) }
        }
        XCTAssertEqual(versions, PostgresSchema.migrations.map(\.version), "every migration applied once")
        XCTAssertEqual(versions.last, PostgresChatStore.schemaVersion)
        let found = try await PostgresSchema.migrate(store.database)
        XCTAssertEqual(found, PostgresChatStore.schemaVersion, "a current database is left as it is")
        let tables = try await store.database.read { c in
            try await c.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name COLLATE \"C\"")
                .map { try $0.decode(String.self) }
        }
        XCTAssertEqual(tables, ["sanctum_event_counter", "sanctum_event_drafts", "sanctum_event_queue", "sanctum_events", "sanctum_pending_counts", "sanctum_plugin_data", "sanctum_read_state",
                                "sanctum_schema_migrations", "sanctum_session_counts", "sanctum_session_tombstones", "sanctum_sites", "sanctum_verified_users", "system_config",
                                "web_chat_messages", "web_chat_responses", "web_chat_sessions"])
        // The next release's additive migration: this build still runs on it (rolling upgrades).
        let next = PostgresChatStore.schemaVersion + 1
        try await store.database.write { c in
            _ = try await c.rows("INSERT INTO sanctum_schema_migrations (version, summary, readable_from) VALUES (\(next), 'additive', \(next - 1))")
        }
        let beside = try await cluster.open(url)
        let seen = try await PostgresSchema.migrate(beside.database)
        XCTAssertEqual(seen, next, "a build one additive migration behind starts and migrates nothing")
        // A migration older builds would misread: refused.
        try await store.database.write { c in
            _ = try await c.rows("INSERT INTO sanctum_schema_migrations (version, summary, readable_from) VALUES (\(next + 1), 'breaking', \(next + 1))")
        }
        do {
            _ = try await cluster.open(url)
            XCTFail("a newer schema must be refused")
        } catch {
            XCTAssertTrue("\(error)".contains("newer than this sanctum"), "\(error)")
            XCTAssertTrue("\(error)".contains("version \(next + 1) changed"), "\(error)")
        }
        await cluster.shutdownAll()
    }
}

/// The event ids a sink received, in order.
private final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Int64] = []
    var ids: [Int64] { lock.withLock { received } }
    func record(_ events: [ChatEvent]) { lock.withLock { received += events.map(\.id) } }

    /// Waits (at most 10 s) until `count` events were received.
    func waitFor(count: Int) async throws {
        for _ in 0..<1000 where ids.count < count { try await Task.sleep(for: .milliseconds(10)) }
    }
}
