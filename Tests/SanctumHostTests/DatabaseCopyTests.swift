import Foundation
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// `sanctum migrate --from FILE --to postgres://…`: a SQLite database (the legacy bridge's, or
/// one the current server wrote with every kind of row) copied into PostgreSQL reads back the
/// same through the store API, ids and counters go on after the copied ones, a non-empty target
/// is refused, and the verification catches a changed row.
final class DatabaseCopyTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    func testALegacyBridgeDatabaseCopiesWithoutTouchingItsSource() async throws {
        let cluster = try PostgresTestCluster()
        let path = try MigrationTests.makeLegacyDatabase()
        let url = try await cluster.createDatabase()
        let report = try await DatabaseCopy.run(from: path, to: url)
        XCTAssertTrue(report.verified, report.rendered)
        XCTAssertEqual(report.sourceSchemaVersion, 0)
        XCTAssertEqual(rows(report), ["web_chat_sessions": 2, "web_chat_messages": 4, "web_chat_responses": 1, "system_config": 5])
        XCTAssertEqual(try SQLiteConnection(path: path).scalar("PRAGMA user_version")?.int, 0, "the source is not migrated")

        let store = try await cluster.open(url)
        let page = try await store.takeInbox(siteID: defaultSiteID, limit: 10, offset: 0, since: nil, lease: nil, now: now)
        XCTAssertEqual(page.messages.map(\.message), ["still waiting", "waiting too", "orphan after cleanup"])
        XCTAssertEqual(page.messages.first?.uid, "aaaaaaaaaaaaaaaa")
        let replies = try await store.replies(siteID: defaultSiteID, sessionID: "session_old1", since: nil, sinceID: nil, ip: nil, now: now)
        XCTAssertEqual(replies.map(\.response), ["legacy reply"])
        XCTAssertEqual(replies.first?.messageID, .null)
        let config = try await store.configuration()
        XCTAssertEqual(config.first { $0.key == "session_timeout" }?.value, .string("86400"))
        let posted = try await store.postMessage(siteID: defaultSiteID, sessionID: "session_old2", text: "after the move", metadata: nil,
                                                 clientMessageID: nil, ip: nil, now: now)
        XCTAssertEqual(posted.messageID, 5, "the id sequence follows the copied ids")
        await cluster.shutdownAll()
    }

    func testEveryKindOfRowReadsBackTheSameThroughTheStore() async throws {
        let cluster = try PostgresTestCluster()
        let (path, source) = try await makeCurrentDatabase()
        let url = try await cluster.createDatabase()
        let report = try await DatabaseCopy.run(from: path, to: url)
        XCTAssertTrue(report.verified, report.rendered)
        for table in CopiedTables.all.map(\.name) where table != "system_config" {
            XCTAssertGreaterThan(rows(report)[table] ?? 0, 0, "\(table) has rows to copy")
        }
        let target = try await cluster.open(url)

        let sourceEvents = try await source.events(in: .all, after: 0, limit: 1000)
        let targetEvents = try await target.events(in: .all, after: 0, limit: 1000)
        XCTAssertEqual(targetEvents, sourceEvents)
        let sourceRange = try await source.eventRange(), targetRange = try await target.eventRange()
        XCTAssertEqual(targetRange.purgedBelow, sourceRange.purgedBelow)
        XCTAssertEqual(targetRange.newest, sourceRange.newest)
        for site in [defaultSiteID, "other"] {
            let sourceList = try await source.conversations(siteID: site, query: nil, limit: 50, offset: 0)
            let targetList = try await target.conversations(siteID: site, query: nil, limit: 50, offset: 0)
            XCTAssertEqual(targetList.total, sourceList.total)
            XCTAssertEqual(targetList.items.map(describe), sourceList.items.map(describe))
            for item in sourceList.items {
                let a = try await source.conversationHistory(siteID: site, sessionID: item.sessionID)
                let b = try await target.conversationHistory(siteID: site, sessionID: item.sessionID)
                XCTAssertEqual(b.map(describe), a.map(describe), item.sessionID)
                let sourceReplies = try await source.replies(siteID: site, sessionID: item.sessionID, since: nil, sinceID: nil, ip: nil, now: now)
                let targetReplies = try await target.replies(siteID: site, sessionID: item.sessionID, since: nil, sinceID: nil, ip: nil, now: now)
                XCTAssertEqual(targetReplies, sourceReplies)
            }
            let sourcePending = try await source.pendingCount(siteID: site, since: nil, now: now)
            let targetPending = try await target.pendingCount(siteID: site, since: nil, now: now)
            XCTAssertEqual(targetPending, sourcePending, "pending of \(site), leases included")
        }
        let sourceConfig = try await source.configuration(), targetConfig = try await target.configuration()
        XCTAssertEqual(targetConfig.map { "\($0.key)=\($0.value.storedText ?? "")" }, sourceConfig.map { "\($0.key)=\($0.value.storedText ?? "")" })
        let sourceKeys = try await source.siteKeys(), targetKeys = try await target.siteKeys()
        XCTAssertEqual(targetKeys, sourceKeys)
        let sourceUsers = try await source.identities(sessionIDs: ["session_a"]), targetUsers = try await target.identities(sessionIDs: ["session_a"])
        XCTAssertEqual(targetUsers, sourceUsers, "verified users")
        for key in ["counter", "binary", "expiring"] {
            let a = try await source.pluginValue(pluginID: "p", key: key, now: now)
            let b = try await target.pluginValue(pluginID: "p", key: key, now: now)
            XCTAssertEqual(b, a, key)
        }
        let expiredLater = try await target.pluginValue(pluginID: "p", key: "expiring", now: now.addingTimeInterval(7200))
        XCTAssertNil(expiredLater, "the expiry is copied")

        // Writes go on after the copied ids: messages, replies, events and per-conversation sequences.
        let maxMessage = try await source.history(sessionID: "session_a")!.messages.map(\.id).max()!
        let posted = try await target.postMessage(siteID: defaultSiteID, sessionID: "session_a", text: "next", metadata: nil,
                                                  clientMessageID: nil, ip: nil, now: now)
        XCTAssertGreaterThan(posted.messageID, maxMessage)
        let next = try await target.events(in: .session("session_a", site: defaultSiteID), after: 0, limit: 1000)
        let before = sourceEvents.filter { $0.sessionID == "session_a" }
        XCTAssertEqual(next.last?.id, sourceRange.newest + 1)
        XCTAssertEqual(next.last?.seq, (before.last?.seq ?? 0) + 1)
        let reply = try await target.postReply(siteID: defaultSiteID, sessionID: "session_a", text: "r", metadata: nil, messageID: .null,
                                               clientResponseID: nil, now: now)
        XCTAssertGreaterThan(reply.id, 3)
        source.database.close()
        await cluster.shutdownAll()
    }

    func testANonEmptyTargetIsRefusedUnlessForced() async throws {
        let cluster = try PostgresTestCluster()
        let path = try MigrationTests.makeLegacyDatabase()
        let url = try await cluster.createDatabase()
        _ = try await DatabaseCopy.run(from: path, to: url)
        do {
            _ = try await DatabaseCopy.run(from: path, to: url)
            XCTFail("copied into a database holding data")
        } catch let error as DatabaseCopyError {
            XCTAssertTrue(error.description.contains("--force"), error.description)
        }
        let forced = try await DatabaseCopy.run(from: path, to: url, force: true)
        XCTAssertTrue(forced.verified, forced.rendered)
        XCTAssertEqual(rows(forced)["web_chat_messages"], 4, "replaced, not added to")
        await cluster.shutdownAll()
    }

    func testTheVerificationCatchesAChangedRow() async throws {
        let cluster = try PostgresTestCluster()
        let path = try MigrationTests.makeLegacyDatabase()
        let url = try await cluster.createDatabase()
        let report = try await DatabaseCopy.run(from: path, to: url)
        let store = try await cluster.open(url)
        try await store.database.write { c in
            _ = try await c.rows("UPDATE web_chat_messages SET message = convert_to('tampered', 'UTF8') WHERE id = 2")
        }
        let after = try await DatabaseCopy.digests(of: store)
        for table in report.tables {
            let same = after[table.table]?.hex == table.sourceDigest && after[table.table]?.rows == table.sourceRows
            XCTAssertEqual(same, table.table != "web_chat_messages", table.table)
        }
        await cluster.shutdownAll()
    }

    // MARK: - Fixtures

    private func rows(_ report: DatabaseCopy.Report) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: report.tables.filter { $0.sourceRows > 0 }.map { ($0.table, $0.sourceRows) })
    }

    /// A database the current SQLite driver wrote, holding every kind of row: two sites,
    /// messages with metadata and idempotency keys, taken, leased and acknowledged messages,
    /// replies with string, number and null `message_id`, read positions, typing and plugin
    /// events, a purged event range, a tombstone, configuration, a site key, plugin data with
    /// and without expiry.
    private func makeCurrentDatabase() async throws -> (String, SQLiteChatStore) {
        let path = temporaryDatabase()
        let store = try await SQLiteChatStore(database: try Database(path: path))
        let earlier = now.addingTimeInterval(-7200)
        _ = try await store.postMessage(siteID: defaultSiteID, sessionID: "session_idle", text: "old", metadata: nil, clientMessageID: nil,
                                        ip: "10.0.0.9", now: earlier)
        _ = try await store.takeInbox(siteID: defaultSiteID, limit: 10, offset: 0, since: nil, lease: nil, now: earlier)
        try await store.appendPluginEvent(siteID: nil, pluginID: "p", name: "early", attributes: [:], now: earlier)
        _ = try await store.purgeEvents(olderThan: now.addingTimeInterval(-3600), typingOlderThan: now.addingTimeInterval(-3600))
        _ = try await store.deleteIdleSessions(before: Timestamps.database(now.addingTimeInterval(-3600)), now: now)
        let metadata: JSON = ["linkguard": ["links": .int(2)], "note": ["text": .string("NUL \u{0} and ünïcode")]]
        for i in 0..<6 {
            _ = try await store.postMessage(siteID: i % 3 == 2 ? "other" : defaultSiteID, sessionID: i % 3 == 2 ? "session_o" : "session_\(i % 2 == 0 ? "a" : "b")",
                                            text: "message \(i) \u{1F600}", metadata: i % 2 == 0 ? metadata : nil,
                                            clientMessageID: i == 1 ? "client-1" : nil, ip: "10.0.0.\(i)", now: now.addingTimeInterval(Double(i)))
        }
        _ = try await store.takeInbox(siteID: defaultSiteID, limit: 1, offset: 0, since: nil, lease: nil, now: now)
        let leased = try await store.takeInbox(siteID: defaultSiteID, limit: 1, offset: 0, since: nil, lease: 3600, now: now)
        let acknowledged = try await store.takeInbox(siteID: "other", limit: 1, offset: 0, since: nil, lease: 60, now: now)
        _ = try await store.acknowledge(siteID: "other", messageIDs: acknowledged.messages.map(\.id), now: now)
        XCTAssertEqual(leased.messages.count, 1)
        _ = try await store.postReply(siteID: defaultSiteID, sessionID: "session_a", text: "reply one", metadata: metadata, messageID: .int(2),
                                      clientResponseID: "r-1", now: now.addingTimeInterval(10))
        _ = try await store.postReply(siteID: defaultSiteID, sessionID: "session_b", text: "reply two", metadata: nil, messageID: .string("abc"),
                                      clientResponseID: nil, now: now.addingTimeInterval(11))
        _ = try await store.postReply(siteID: "other", sessionID: "session_o", text: "reply three", metadata: nil, messageID: .null,
                                      clientResponseID: nil, now: now.addingTimeInterval(12))
        try await store.markRead(siteID: defaultSiteID, sessionID: "session_a", by: .agent, upTo: 3, now: now)
        try await store.markRead(siteID: defaultSiteID, sessionID: "session_a", by: .visitor, upTo: 1, now: now)
        try await store.recordTyping(siteID: defaultSiteID, sessionID: "session_b", from: .visitor, active: true, now: now)
        try await store.appendPluginEvent(siteID: "other", pluginID: "p", name: "hello", attributes: ["k": "v"], now: now)
        _ = try await store.claimSession(siteID: defaultSiteID, identity: VerifiedIdentity(userID: "42", name: "Ada", email: nil),
                                         presented: "session_a", fresh: "session_fresh", now: now)
        try await store.setConfiguration([("session_timeout", .int(86400)), ("cors_origins", .string("*"))], now: now)
        try await store.setSiteKey(siteID: "other", hash: "sha256:abc", now: now)
        try await store.setPluginValue(pluginID: "p", key: "counter", value: Data("41".utf8), expiresAt: nil, now: now)
        try await store.setPluginValue(pluginID: "p", key: "binary", value: Data([0, 255, 10, 13]), expiresAt: nil, now: now)
        try await store.setPluginValue(pluginID: "p", key: "expiring", value: Data("soon".utf8), expiresAt: now.addingTimeInterval(3600), now: now)
        return (path, store)
    }

    private func describe(_ c: ConversationSummary) -> String {
        "\(c.sessionID) \(c.uid ?? "-") \(c.siteID) \(c.lastActive ?? "-") \(c.lastMessage.map { "\($0.type):\($0.text)@\($0.timestamp)" } ?? "-") unread \(c.unread) \(c.messageCount)/\(c.responseCount)"
    }

    private func describe(_ h: ConversationHistory) -> String {
        let items = h.items.map { "\($0.type) \($0.id) \($0.text) \($0.timestamp) \($0.status) \($0.metadata?.serialized ?? "-")" }
        return "\(h.sessionID) \(h.uid ?? "-") \(h.siteID) read \(h.agentReadUpTo)/\(h.visitorReadUpTo) last \(h.lastEventID)\n" + items.joined(separator: "\n")
    }
}
