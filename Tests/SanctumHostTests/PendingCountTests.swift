import Foundation
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// An inbox poll's `total` costs the same whatever the backlog: a per-site counter kept by
/// triggers, checked against a real count after every kind of write (plans: `QueryPlanTests`).
final class PendingCountTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    func testTheCountersMatchACountAfterEveryKindOfWrite() async throws {
        let store = try await SQLiteChatStore(database: Database(path: temporaryDatabase()))
        for i in 0..<30 {
            let site = i % 3 == 0 ? "other" : "default"
            _ = try await store.postMessage(siteID: site, sessionID: "session_\(site)\(i % 5)", text: "m\(i)",
                                            clientMessageID: nil, ip: nil, now: now)
        }
        try await assertCounterMatches(store)
        _ = try await store.takeInbox(siteID: "default", limit: 4, offset: 0, since: nil, lease: nil, now: now)
        try await assertCounterMatches(store)
        let leased = try await store.takeInbox(siteID: "default", limit: 3, offset: 0, since: nil, lease: 60, now: now)
        try await assertCounterMatches(store)
        _ = try await store.acknowledge(siteID: "default", messageIDs: leased.messages.map(\.id), now: now)
        try await assertCounterMatches(store)
        // What the legacy bridge or an operator's SQL would do: the triggers still keep count.
        _ = try await store.database.write { c in
            try c.run("UPDATE web_chat_messages SET processed = 1 WHERE id IN (SELECT id FROM web_chat_messages WHERE processed = 0 LIMIT 2)")
            try c.run("UPDATE web_chat_messages SET processed = 0 WHERE id = 1")
            try c.run("UPDATE web_chat_messages SET site_id = 'other' WHERE id = 2")
            try c.run("DELETE FROM web_chat_messages WHERE session_id = 'session_default4'")
            try c.run("DELETE FROM web_chat_sessions WHERE id = 'session_default4'")
            try c.run("UPDATE web_chat_sessions SET site_id = 'other' WHERE id = 'session_default3'")
            return 0
        }
        try await assertCounterMatches(store)
    }

    func testLeasesHoldBackTheirConversationInTheTotal() async throws {
        let store = try await SQLiteChatStore(database: Database(path: temporaryDatabase()))
        for i in 0..<6 {
            _ = try await store.postMessage(siteID: "default", sessionID: "session_l\(i % 2)", text: "m\(i)",
                                            clientMessageID: nil, ip: nil, now: now.addingTimeInterval(Double(i)))
        }
        let first = try await store.takeInbox(siteID: "default", limit: 1, offset: 0, since: nil, lease: 60, now: now)
        XCTAssertEqual(first.total, 6)
        // Leased: one message; held behind it: the two later ones of its conversation.
        let afterLease = try await store.pendingCount(siteID: "default", since: nil, now: now)
        XCTAssertEqual(afterLease, 3)
        let expired = try await store.pendingCount(siteID: "default", since: nil, now: now.addingTimeInterval(61))
        XCTAssertEqual(expired, 6, "an expired lease holds nothing back")
    }

    private func assertCounterMatches(_ store: SQLiteChatStore, file: StaticString = #filePath, line: UInt = #line) async throws {
        for site in ["default", "other"] {
            let counted = try store.database.read { c in
                try c.scalar("SELECT COUNT(*) FROM web_chat_messages WHERE processed = 0 AND site_id = ?", [.text(site)])?.int ?? 0
            }
            let total = try await store.pendingCount(siteID: site, since: nil, now: now.addingTimeInterval(3600))
            XCTAssertEqual(total, counted, site, file: file, line: line)
            let sessions = try store.database.read { c in
                try c.scalar("SELECT COUNT(*) FROM web_chat_sessions WHERE site_id = ?", [.text(site)])?.int ?? 0
            }
            let listed = try await store.conversations(siteID: site, query: nil, limit: 1, offset: 0).total
            XCTAssertEqual(listed, sessions, "conversations of \(site)", file: file, line: line)
        }
        let all = try await store.conversations(siteID: nil, query: nil, limit: 1, offset: 0).total
        XCTAssertEqual(all, try store.database.read { c in try c.scalar("SELECT COUNT(*) FROM web_chat_sessions")?.int ?? 0 },
                       file: file, line: line)
    }
}
