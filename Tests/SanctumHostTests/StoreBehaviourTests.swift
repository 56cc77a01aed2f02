import Foundation
import HTTPTypes
import StoreConformance
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Concurrency, idempotency, cleanup and the other §7 fixes, over real HTTP.
final class StoreBehaviourTests: XCTestCase {
    func testConcurrentFirstRequestsForOneSessionAreSafe() async throws {
        try await withServer { client, _ in
            let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
                for i in 0..<40 { group.addTask { try await client.message("session_race", "m\(i)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(answers.filter { $0.status == .ok }.count, 40)
            XCTAssertEqual(answers.filter { $0.data["is_new_user"] == true }.count, 1)
            XCTAssertEqual(Set(answers.compactMap { $0.data["uid"]?.stringValue }).count, 1)
        }
    }

    func testConcurrentInboxPollersNeverShareAMessage() async throws {
        try await withServer(config: .withoutRateLimits) { client, _ in
            for i in 0..<200 { try await client.message("session_p\(i % 7)", "m\(i)") }
            let batches = try await withThrowingTaskGroup(of: [JSON].self) { group in
                for _ in 0..<8 { group.addTask { try await client.inbox("&limit=30") } }
                return try await group.reduce(into: []) { $0.append(contentsOf: $1) }
            }
            var seen = batches.compactMap { $0["id"]?.int }
            while true {
                let more = try await client.inbox("&limit=100")
                if more.isEmpty { break }
                seen += more.compactMap { $0["id"]?.int }
            }
            XCTAssertEqual(seen.count, 200)
            XCTAssertEqual(Set(seen).count, 200, "at-most-once: no message delivered twice")
        }
    }

    func testInboxOrdersByTimestampThenID() async throws {
        try await withServer { client, _ in
            for i in 0..<20 { try await client.message("session_o", "m\(i)") }
            let messages = try await client.inbox()
            XCTAssertEqual(messages.map { $0["message"]!.stringValue! }, (0..<20).map { "m\($0)" })
        }
    }

    func testClientMessageIDMakesRetriesIdempotent() async throws {
        try await withServer { client, _ in
            let body = #"{"session_id":"session_idem","message":"once","client_message_id":"c-1"}"#
            let first = try await client.post("/api/v1/?action=messages", json: body)
            let retry = try await client.post("/api/v1/?action=messages", json: body)
            XCTAssertEqual(first.data["message_id"], retry.data["message_id"])
            XCTAssertEqual(retry.data["is_new_user"], false)
            let awaited1 = try await client.inbox().count
            XCTAssertEqual(awaited1, 1)
            let other = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_idem","message":"twice","client_message_id":"c-2"}"#)
            XCTAssertNotEqual(other.data["message_id"], first.data["message_id"])
            let bad = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_idem","message":"x","client_message_id":"no spaces"}"#)
            XCTAssertEqual(bad.error, "Invalid client_message_id")
        }
    }

    func testLimitIsClampedAndOffsetNeverNegative() async throws {
        try await withServer { client, _ in
            for i in 0..<3 { try await client.message("session_l", "m\(i)") }
            let negative = try await client.get("/api/v1/?action=inbox&limit=-1&offset=-5", key: TestKeys.api)
            XCTAssertEqual(negative.data["pagination"]?["limit"], 1)
            XCTAssertEqual(negative.data["pagination"]?["offset"], 0)
            XCTAssertEqual(negative.data["messages"]?.array.count, 1, "a negative limit no longer drains the inbox")
            let bad = try await client.get("/api/v1/?action=inbox&limit=abc", key: TestKeys.api)
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertEqual(bad.error, "Invalid limit parameter: must be an integer")
            let python = try await client.get("/api/v1/?action=inbox&limit=%201_0%20", key: TestKeys.api)
            XCTAssertEqual(python.data["pagination"]?["limit"], 10)
        }
    }

    func testCleanupKeepsLiveConversationsAndUIDs() async throws {
        let clock = TestClock()
        try await withServer(clock: clock.read) { client, env in
            let uid = try await client.message("session_idle", "old").data["uid"]
            _ = try await client.inbox()
            try await client.message("session_waiting", "unanswered")
            clock.advance(1801)
            let cleanup = try await client.post("/api/v1/?action=cleanup", json: "", key: TestKeys.admin)
            XCTAssertEqual(cleanup.data["cleaned_count"], 1, "the session with an undelivered message is kept")
            let reply = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_idle","response":"late answer"}"#, key: TestKeys.api)
            XCTAssertEqual(reply.status, .ok, "replies to a cleaned-up session still land")
            let back = try await client.message("session_idle", "I am back")
            XCTAssertEqual(back.data["uid"], uid, "the uid survives cleanup")
        }
    }

    func testActivityFromPollsUpdatesLastActive() async throws {
        let clock = TestClock()
        try await withServer(clock: clock.read) { client, env in
            try await client.message("session_act", "x")
            clock.advance(100)
            _ = try await client.get("/api/v1/?action=responses&session_id=session_act")
            await env.services.activity.flush()
            let lastActive = try await env.store.sessions(activeSince: nil, limit: 1, offset: 0).sessions.first?.lastActive
            XCTAssertEqual(lastActive, Timestamps.database(clock.now), "a poll counts as activity")
        }
    }

    func testSessionsListAndTotalUseTheSameFilter() async throws {
        let clock = TestClock()
        try await withServer(clock: clock.read) { client, env in
            try await client.message("session_stale", "x")
            clock.advance(2 * 86_400)
            try await client.message("session_new", "x")
            let active = try await client.get("/api/v1/?action=sessions", key: TestKeys.admin)
            XCTAssertEqual(active.data["sessions"]?.array.map { $0["id"] }, ["session_new"])
            XCTAssertEqual(active.data["pagination"]?["total"], 1)
            let all = try await client.get("/api/v1/sessions?active=false", key: TestKeys.admin)
            XCTAssertEqual(all.data["sessions"]?.array.count, 2)
            XCTAssertEqual(all.data["pagination"]?["total"], 2)
            let item = try XCTUnwrap(all.data["sessions"]?.array.first)
            XCTAssertEqual(item.keys, ["created_at", "id", "ip_address", "last_active", "message_count", "metadata", "response_count", "uid"])
            XCTAssertEqual(item["metadata"], "{}")
            let history = try await client.get("/admin/api/session_messages?session_id=session_new", key: TestKeys.admin)
            XCTAssertEqual(history.data["session"]?.keys, ["created_at", "id", "ip_address", "last_active", "metadata", "uid"])
            XCTAssertEqual(history.data["messages"]?.array.first?.keys, ["id", "message", "session_id", "timestamp"])
            let missing = try await client.get("/admin/api/session_messages?session_id=session_nope", key: TestKeys.admin)
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(missing.error, "Session not found")
        }
    }

    func testGroupCommitSurvivesAFailingWriteInTheBatch() async throws {
        let database = try Database(path: temporaryDatabase())
        defer { database.close() }
        try await database.write { c in try c.execute("CREATE TABLE t (v INTEGER UNIQUE)") }
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<100 {
                group.addTask {
                    (try? await database.write { c in try c.run("INSERT INTO t (v) VALUES (?)", [.int(Int64(i % 50))]) }) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        XCTAssertEqual(results.filter { $0 }.count, 50)
        XCTAssertEqual(try database.read { try $0.scalar("SELECT COUNT(*) FROM t")?.int }, 50)
    }
}
