import Foundation
import HTTPTypes
import Logging
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Opening an existing Web Chat Bridge database (BRIDGE-API.md §3.1) and migrating it in place.
final class MigrationTests: XCTestCase {
    /// A legacy database exactly as the original's init script leaves it, with rows.
    static func makeLegacyDatabase(apiKey: String = "ObeyG1ant", adminKey: String = "FreeUkra1ne", withRows: Bool = true) throws -> String {
        let path = temporaryDatabase()
        let c = try SQLiteConnection(path: path)
        try c.execute(Schema.legacyTables)
        try c.execute("""
            INSERT OR IGNORE INTO system_config (config_key, config_value, description) VALUES
              ('api_key', '\(apiKey)', 'API key for Broca2 authentication'),
              ('admin_key', '\(adminKey)', 'Admin key for web interface'),
              ('rate_limit_window', '3600', 'Rate limit window in seconds'),
              ('session_timeout', '86400', 'Session timeout in seconds'),
              ('cors_origins', '*', 'Allowed CORS origins');
            """)
        guard withRows else { return path }
        try c.execute("""
            INSERT INTO web_chat_sessions (id, uid, created_at, last_active, ip_address, metadata) VALUES
              ('session_old1', 'aaaaaaaaaaaaaaaa', '2025-01-01 10:00:00', '2025-01-01 10:00:00', '10.0.0.1', '{}'),
              ('session_old2', 'bbbbbbbbbbbbbbbb', '2025-01-02 10:00:00', '2025-01-02 10:00:00', '10.0.0.2', '{}');
            INSERT INTO web_chat_messages (session_id, message, timestamp, processed) VALUES
              ('session_old1', 'delivered long ago', '2025-01-01 10:00:01', 1),
              ('session_old1', 'still waiting', '2025-01-01 10:00:02', 0),
              ('session_old2', 'waiting too', '2025-01-02 10:00:00', 0),
              ('session_gone', 'orphan after cleanup', '2025-01-03 10:00:00', 0);
            INSERT INTO web_chat_responses (session_id, response, timestamp, message_id) VALUES
              ('session_old1', 'legacy reply', '2025-01-01 10:05:00', NULL);
            INSERT INTO rate_limits (ip_address, endpoint, count, window_start) VALUES ('10.0.0.1', '/api/messages', 3, '2025-01-01 10:00:00');
            DELETE FROM web_chat_messages WHERE id = 99;
            """)
        return path
    }

    /// Expects a start on the legacy database at `path` to be refused with every one of
    /// `phrases` in the message, and the stored `key` to be left as `value`.
    private func assertRefusedStart(_ path: String, options: ServeOptions = ServeOptions(), saying phrases: [String],
                                    leaving key: String, as value: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        do {
            _ = try await withServer(database: path, environment: [:], options: options) { _, _ in }
            XCTFail("started", file: file, line: line)
        } catch let error as KeySetupError {
            for phrase in phrases { XCTAssertTrue(error.description.contains(phrase), error.description, file: file, line: line) }
        }
        let c = try SQLiteConnection(path: path)
        XCTAssertEqual(try c.scalar("SELECT config_value FROM system_config WHERE config_key = ?", [.text(key)])?.text, value,
                       "a refused start changes no key", file: file, line: line)
    }

    func testPublishedDefaultKeysRefuseToStartWithInstructions() async throws {
        try await assertRefusedStart(try Self.makeLegacyDatabase(), saying: ["sanctum keys rotate", "--allow-published-keys"],
                                     leaving: "api_key", as: "ObeyG1ant")
    }

    func testWeakLegacyKeysRefuseToStartWithTheRotationCommand() async throws {
        try await assertRefusedStart(try Self.makeLegacyDatabase(apiKey: "abc", adminKey: "admin"), options: ServeOptions(allowPublishedKeys: true),
                                     saying: ["weak api_key (3 characters", "sanctum keys rotate --database"], leaving: "admin_key", as: "admin")
        let strong = try Self.makeLegacyDatabase(apiKey: "legacy-api-key-0123456789", adminKey: "legacy-admin-key-0123456789")
        try await withServer(database: strong, environment: [:]) { client, _ in
            let answer = try await client.get("/api/v1/?action=inbox", key: "legacy-api-key-0123456789")
            XCTAssertEqual(answer.status, .ok, "strong legacy plaintext keys keep working (stored hashed from now on)")
        }
    }

    func testOverrideFlagStartsWithPublishedKeys() async throws {
        let path = try Self.makeLegacyDatabase()
        try await withServer(database: path, environment: [:], options: ServeOptions(allowPublishedKeys: true)) { client, _ in
            let answer = try await client.get("/api/v1/?action=inbox", key: "ObeyG1ant")
            XCTAssertEqual(answer.status, .ok)
        }
    }

    func testMigrationKeepsEveryRowAndTheLegacySQLWorks() async throws {
        let path = try Self.makeLegacyDatabase()
        try await withServer(database: path) { client, _ in
            let inbox = try await client.inbox()
            XCTAssertEqual(inbox.map { $0["message"] }, ["still waiting", "waiting too", "orphan after cleanup"])
            XCTAssertEqual(inbox.map { $0["uid"] }, ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", .null])
            XCTAssertEqual(inbox[0]["timestamp"], "2025-01-01 10:00:02")

            let replies = try await client.get("/api/v1/?action=responses&session_id=session_old1").data["responses"]!.array
            XCTAssertEqual(replies.map { $0["response"] }, ["legacy reply"])

            let orphanReply = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_gone","response":"still reachable"}"#, key: TestKeys.api)
            XCTAssertEqual(orphanReply.status, .ok, "a session that has messages is never refused")

            let next = try await client.message("session_old1", "new message")
            XCTAssertEqual(next.data["uid"], "aaaaaaaaaaaaaaaa")
            XCTAssertEqual(next.data["is_new_user"], false)
            XCTAssertGreaterThan(next.data["message_id"]!.int!, 4)

            let all = try await client.get("/api/v1/?action=sessions&active=false", key: TestKeys.admin)
            XCTAssertEqual(all.data["pagination"]?["total"], 3)
            let config = try await client.get("/api/v1/?action=config", key: TestKeys.admin)
            XCTAssertEqual(config.data["session_timeout"], "86400")
            XCTAssertEqual(config.data["cors_origins"], "*")
        }
        let c = try SQLiteConnection(path: path)
        XCTAssertEqual(try c.scalar("PRAGMA user_version")?.int, Schema.currentVersion)
        XCTAssertEqual(try c.scalar("PRAGMA integrity_check")?.text, "ok")
        XCTAssertEqual(try c.scalar("SELECT COUNT(*) FROM web_chat_messages")?.int, 5)
        XCTAssertEqual(try c.scalar("SELECT COUNT(*) FROM web_chat_responses")?.int, 2)
        XCTAssertEqual(try c.scalar("SELECT description FROM system_config WHERE config_key = 'session_timeout'")?.text,
                       "Session timeout in seconds", "descriptions survive")
        let storedKey = try XCTUnwrap(c.scalar("SELECT config_value FROM system_config WHERE config_key = 'api_key'")?.text)
        XCTAssertTrue(storedKey.hasPrefix("sha256$"), "keys are stored hashed")
        // The original's own SQL still runs unchanged against the migrated tables.
        let legacyInbox = try c.query("""
            SELECT m.id, m.session_id, m.message, m.timestamp, s.uid FROM web_chat_messages m
            LEFT JOIN web_chat_sessions s ON m.session_id = s.id WHERE m.processed = 0 ORDER BY m.timestamp ASC LIMIT ? OFFSET ?
            """, [.int(50), .int(0)]) { $0.text(2) }
        XCTAssertEqual(legacyInbox, ["new message"])
    }

    func testMigrationIsIdempotent() async throws {
        let path = try Self.makeLegacyDatabase(apiKey: "custom_api_key_123456", adminKey: "custom_admin_key_123456")
        for _ in 0..<2 {
            try await withServer(database: path, environment: [:]) { client, _ in
                let awaited1 = try await client.get("/api/v1/?action=config", key: "custom_admin_key_123456").status
                XCTAssertEqual(awaited1, .ok)
            }
        }
        let c = try SQLiteConnection(path: path)
        XCTAssertEqual(try c.scalar("SELECT COUNT(*) FROM web_chat_messages")?.int, 4)
    }

    func testIncompatibleSchemaIsRefusedUntouched() async throws {
        let path = temporaryDatabase()
        let c = try SQLiteConnection(path: path)
        try c.execute("CREATE TABLE web_chat_sessions (session_id TEXT PRIMARY KEY, created_at TEXT); INSERT INTO web_chat_sessions VALUES ('s', 'now');")
        do {
            _ = try await withServer(database: path) { _, _ in }
            XCTFail("accepted an incompatible schema")
        } catch let error as SQLiteError {
            XCTAssertTrue(error.message.contains("web_chat_sessions"), error.message)
        }
        XCTAssertEqual(try c.scalar("PRAGMA user_version")?.int, 0)
        XCTAssertFalse(try c.tableExists("web_chat_messages"), "the failed migration rolled back")
    }

    func testFirstStartGeneratesKeysShownOnce() async throws {
        let path = temporaryDatabase()
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let (env, generated, _) = try await SanctumServer.makeEnvironment(options: ServeOptions(database: path), config: SanctumConfig(),
                                                                       environment: [:], logger: logger)
        let api = try XCTUnwrap(generated[.api])
        XCTAssertTrue(env.services.access.isKey(api, .api))
        XCTAssertFalse(env.services.access.isKey(api, .admin))
        env.close()
        let (again, secondTime, _) = try await SanctumServer.makeEnvironment(options: ServeOptions(database: path), config: SanctumConfig(),
                                                                          environment: [:], logger: logger)
        XCTAssertTrue(secondTime.isEmpty, "existing keys are kept, not regenerated")
        XCTAssertTrue(again.services.access.isKey(api, .api))
        again.close()
        let c = try SQLiteConnection(path: path)
        let stored = try c.query("SELECT config_value FROM system_config") { $0.text(0) ?? "" }
        XCTAssertFalse(stored.contains(api), "the plaintext key is never stored")
    }

    func testAVersion3DatabaseKeepsItsPluginValuesWhichNeverExpire() async throws {
        let path = temporaryDatabase()
        let store = try await SanctumServer.openStore(path: path)
        try await store.setPluginValue(pluginID: "p", key: "k", value: Data("v".utf8), expiresAt: nil, now: Date())
        store.database.close()
        // Back to version 3: migration 4's column and index removed, the row kept.
        let c = try SQLiteConnection(path: path)
        try c.execute("DROP INDEX sanctum_plugin_data_expiry; ALTER TABLE sanctum_plugin_data DROP COLUMN expires_at; PRAGMA user_version = 3;")
        let migrated = try await SanctumServer.openStore(path: path)
        defer { migrated.database.close() }
        let value = try await migrated.pluginValue(pluginID: "p", key: "k", now: .distantFuture)
        XCTAssertEqual(value, Data("v".utf8), "an old value is kept and never expires")
        XCTAssertTrue(try c.columns(of: "sanctum_plugin_data").contains("expires_at"))
        XCTAssertEqual(try c.scalar("PRAGMA user_version")?.int, Schema.currentVersion)
    }

    func testAVersion4DatabaseKeepsItsMessagesWithoutMetadata() async throws {
        let path = temporaryDatabase()
        let store = try await SanctumServer.openStore(path: path)
        _ = try await store.postMessage(siteID: defaultSiteID, sessionID: "session_old", text: "before", clientMessageID: nil, ip: nil, now: Date())
        store.database.close()
        // Back to version 4: migration 5's columns removed, the rows kept.
        let c = try SQLiteConnection(path: path)
        try c.execute("""
            ALTER TABLE web_chat_messages DROP COLUMN metadata; ALTER TABLE web_chat_responses DROP COLUMN metadata; PRAGMA user_version = 4;
            """)
        let migrated = try await SanctumServer.openStore(path: path)
        defer { migrated.database.close() }
        XCTAssertTrue(try c.columns(of: "web_chat_messages").contains("metadata"))
        XCTAssertTrue(try c.columns(of: "web_chat_responses").contains("metadata"))
        XCTAssertEqual(try c.scalar("PRAGMA user_version")?.int, Schema.currentVersion)
        let page = try await migrated.takeInbox(siteID: defaultSiteID, limit: 10, offset: 0, since: nil, lease: nil, now: Date())
        XCTAssertEqual(page.messages.map(\.message), ["before"])
        XCTAssertEqual(page.messages.map(\.metadata), [nil], "an older row has no metadata")
    }
}
