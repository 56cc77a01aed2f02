import Foundation
import HTTPTypes
import Hummingbird
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// BRIDGE-API.md §10 golden checks 1–11, over real HTTP on loopback.
class GoldenChecksTests: XCTestCase {
    /// The database each check runs on: a fresh one here; a migrated legacy bridge database in
    /// ``GoldenChecksOnMigratedDatabaseTests``.
    class func makeDatabase() throws -> String { temporaryDatabase() }

    /// 1. OPTIONS /api/v1/ with and without Origin.
    func testPreflightOnDispatcher() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            let plain = try await client.send(.options, "/api/v1/")
            XCTAssertEqual(plain.status, .ok)
            XCTAssertEqual(plain.text, "")
            XCTAssertEqual(plain.headers[.accessControlAllowOrigin], "*")
            XCTAssertNil(plain.headers[.vary])
            XCTAssertEqual(plain.contentType, "text/html; charset=utf-8")

            let preflight = try await client.send(.options, "/api/v1/?action=inbox", headers: [
                .origin: "https://site.example", .accessControlRequestMethod: "POST",
                .accessControlRequestHeaders: "content-type, Authorization ,x-b",
            ])
            XCTAssertEqual(preflight.status, .ok)
            XCTAssertEqual(preflight.headers[.accessControlAllowOrigin], "https://site.example")
            XCTAssertEqual(preflight.headers[.vary], "Origin")
            XCTAssertEqual(preflight.headers[.accessControlAllowMethods], "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")
            XCTAssertEqual(preflight.headers[.accessControlAllowHeaders], "Authorization, content-type, x-b")
            XCTAssertNil(preflight.headers[.accessControlAllowCredentials])
            XCTAssertNil(preflight.headers[.accessControlMaxAge])

            let alias = try await client.send(.options, "/api/v1/inbox", headers: [.origin: "https://a.example"])
            XCTAssertEqual(alias.status, .ok)
            XCTAssertEqual(alias.headers[.allow], "GET, HEAD, OPTIONS")
            XCTAssertEqual(alias.headers[.accessControlAllowOrigin], "https://a.example")

            let privateNetwork = try await client.send(.options, "/api/v1/", headers: [
                .origin: "https://a.example", .accessControlRequestMethod: "GET",
                HTTPField.Name("Access-Control-Request-Private-Network")!: "true",
            ])
            XCTAssertEqual(privateNetwork.headers[HTTPField.Name("Access-Control-Allow-Private-Network")!], "true")
        }
    }

    /// 2. Dispatcher errors, 404/405 JSON, 308 redirects.
    func testDispatcherErrorsAndRedirects() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            let missing = try await client.get("/api/v1/")
            XCTAssertEqual(missing.status, .badRequest)
            XCTAssertEqual(missing.json, ["success": false, "error": "Missing action parameter"])
            let empty = try await client.get("/api/v1/?action=")
            XCTAssertEqual(empty.error, "Missing action parameter")
            for action in ["nope", "session_messages", "session_response", "Messages"] {
                let invalid = try await client.get("/api/v1/?action=" + action)
                XCTAssertEqual(invalid.status, .badRequest)
                XCTAssertEqual(invalid.error, "Invalid action")
            }
            let put = try await client.send(.put, "/api/v1/")
            XCTAssertEqual(put.status, .methodNotAllowed)
            XCTAssertEqual(put.json, ["success": false, "error": "Method not allowed"])
            XCTAssertTrue(put.contentType.hasPrefix("application/json"))
            XCTAssertEqual(put.headers[.accessControlAllowOrigin], "*")
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/messages"), (.post, "/api/v1/inbox"), (.delete, "/api/v1/config")] {
                let answer = try await client.send(method, path)
                XCTAssertEqual(answer.status, .methodNotAllowed, "\(method) \(path)")
                XCTAssertEqual(answer.error, "Method not allowed")
            }
            for path in ["/api/v1/nope", "/api/anything", "/api/v1/inbox/", "/api/v2/"] {
                let answer = try await client.get(path)
                XCTAssertEqual(answer.status, .notFound, path)
                XCTAssertEqual(answer.json, ["success": false, "error": "Endpoint not found"])
            }
            let wrongMethodOnAction = try await client.get("/api/v1/?action=messages")
            XCTAssertEqual(wrongMethodOnAction.status, .methodNotAllowed)

            let redirect = try await client.get("/api/v1?action=inbox&limit=1")
            XCTAssertEqual(redirect.status, .permanentRedirect)
            XCTAssertEqual(redirect.headers[.location], "/api/v1/?action=inbox&limit=1")
            let doubled = try await client.get("//api/v1/?action=inbox")
            XCTAssertEqual(doubled.status, .permanentRedirect)
            XCTAssertEqual(doubled.headers[.location], "/api/v1/?action=inbox")
            for path in ["/chat", "/admin", "/widget"] {
                let answer = try await client.get(path)
                XCTAssertEqual(answer.status, .permanentRedirect)
                XCTAssertEqual(answer.headers[.location], path + "/")
            }
            let head = try await client.send(.head, "/api/v1/?action=responses&session_id=session_head")
            XCTAssertEqual(head.status, .ok)
            XCTAssertEqual(head.text, "")
        }
    }

    /// 3. messages: data keys, uid shape, is_new_user.
    func testPostMessage() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            let first = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_a","message":"  hi  "}"#)
            XCTAssertEqual(first.status, .ok)
            XCTAssertEqual(first.json["success"], true)
            XCTAssertEqual(first.json["message"], "Success")
            XCTAssertEqual(first.data.keys, ["is_new_user", "message_id", "session_id", "timestamp", "uid"])
            XCTAssertEqual(first.data["session_id"], "session_a")
            XCTAssertEqual(first.data["is_new_user"], true)
            let uid = try XCTUnwrap(first.data["uid"]?.stringValue)
            XCTAssertNotNil(uid.range(of: "^[0-9a-f]{16}$", options: .regularExpression))
            let envelopeTime = try XCTUnwrap(first.json["timestamp"]?.stringValue)
            XCTAssertTrue(envelopeTime.hasSuffix("+00:00"), envelopeTime)

            let second = try await client.post("/api/v1/messages", json: #"{"session_id":"session_a","message":"again","timestamp":null}"#)
            XCTAssertEqual(second.data["is_new_user"], false)
            XCTAssertEqual(second.data["uid"]?.stringValue, uid)
            XCTAssertEqual(second.data["timestamp"], .null)
            XCTAssertEqual(second.data["message_id"]?.int, (first.data["message_id"]?.int ?? 0) + 1)

            let messages = try await client.inbox()
            XCTAssertEqual(messages.map { $0["message"] }, ["hi", "again"])
        }
    }

    /// 4. Validation strings.
    func testMessageValidation() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            let cases: [(String, String)] = [
                (#"{"session_id":"session_x!","message":"hi"}"#, "Invalid session ID"),
                (#"{"session_id":"session_\#(String(repeating: "a", count: 57))","message":"hi"}"#, "Invalid session ID"),
                (#"{"session_id":"sess_a","message":"hi"}"#, "Invalid session ID"),
                (#"{"session_id":"session_a","message":" \t\n\u001c\u3000 "}"#, "Missing required fields"),
                (#"{"session_id":"session_a","message":"\#(String(repeating: "é", count: 10_001))"}"#, "Invalid message"),
                (#"{"session_id":"","message":"hi"}"#, "Missing required fields"),
                (#"{"message":"hi"}"#, "Missing required fields"),
                ("{}", "Invalid JSON"),
                ("[]", "Invalid JSON"),
                ("null", "Invalid JSON"),
                ("0", "Invalid JSON"),
            ]
            for (body, error) in cases {
                let answer = try await client.post("/api/v1/?action=messages", json: body)
                XCTAssertEqual(answer.status, .badRequest, body.prefix(60) + "")
                XCTAssertEqual(answer.error, error, body.prefix(60) + "")
            }
            let sixtyFour = "session_" + String(repeating: "b", count: 56)
            let ok = try await client.message(sixtyFour, String(repeating: "é", count: 10_000))
            XCTAssertEqual(ok.status, .ok)
            let zeroWidth = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_zw","message":"\u200b"}"#)
            XCTAssertEqual(zeroWidth.status, .ok, "U+200B is not whitespace to Python")
            let value1 = try await client.inbox().count
            XCTAssertEqual(value1, 0 + 2)
        }
    }

    /// 5. Inbox exactly as broca calls it.
    func testInboxAsBrocaCallsIt() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            for i in 0..<3 { try await client.message("session_inbox", "m\(i)") }
            let headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer " + TestKeys.api,
                                       .userAgent: "Broca2-WebChat-Plugin/1.0"]
            let first = try await client.send(.get, "/api/v1/?action=inbox&limit=2&offset=0", headers: headers)
            XCTAssertEqual(first.status, .ok)
            XCTAssertEqual(first.contentType, "application/json")
            let messages = first.data["messages"]!.array
            XCTAssertEqual(messages.count, 2)
            XCTAssertEqual(messages[0].keys, ["id", "message", "session_id", "timestamp", "uid"])
            let stamp = try XCTUnwrap(messages[0]["timestamp"]?.stringValue)
            XCTAssertNotNil(stamp.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"#, options: .regularExpression))
            XCTAssertEqual(first.data["pagination"], ["total": 3, "limit": 2, "offset": 0, "has_more": true])

            let second = try await client.send(.get, "/api/v1/?action=inbox&limit=500", headers: headers)
            XCTAssertEqual(second.data["messages"]!.array.map { $0["message"] }, ["m2"])
            XCTAssertEqual(second.data["pagination"], ["total": 1, "limit": 100, "offset": 0, "has_more": false])
            let value2 = try await client.inbox().count
            XCTAssertEqual(value2, 0)
        }
    }

    /// 6. Admin key on ?action= vs aliases.
    func testAdminKeyOnAgentActions() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            try await client.message("session_adm", "x")
            let viaAction = try await client.get("/api/v1/?action=inbox", key: TestKeys.admin)
            XCTAssertEqual(viaAction.status, .ok)
            let outbox = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_adm","response":"r"}"#, key: TestKeys.admin)
            XCTAssertEqual(outbox.status, .ok)
            let viaAlias = try await client.get("/api/v1/inbox", key: TestKeys.admin)
            XCTAssertEqual(viaAlias.status, .unauthorized)
            XCTAssertEqual(viaAlias.json, ["success": false, "error": "Invalid API key", "code": 401])
            let aliasOutbox = try await client.post("/api/v1/outbox", json: #"{"session_id":"session_adm","response":"r"}"#, key: TestKeys.admin)
            XCTAssertEqual(aliasOutbox.json, ["success": false, "error": "Invalid API key", "code": 401])
            let noHeader = try await client.get("/api/v1/?action=inbox")
            XCTAssertEqual(noHeader.json, ["success": false, "error": "Authentication required"])
            let lowercase = try await client.get("/api/v1/?action=inbox", headers: [.authorization: "bearer " + TestKeys.api])
            XCTAssertEqual(lowercase.error, "Authentication required")
            let extraSpace = try await client.get("/api/v1/?action=inbox", headers: [.authorization: "Bearer  " + TestKeys.api])
            XCTAssertEqual(extraSpace.error, "Invalid API key")
            let aliasNoHeader = try await client.get("/api/v1/inbox")
            XCTAssertEqual(aliasNoHeader.json, ["success": false, "error": "Authentication required", "code": 401])
            let apiOnAdmin = try await client.get("/api/v1/?action=sessions", key: TestKeys.api)
            XCTAssertEqual(apiOnAdmin.json, ["success": false, "error": "Invalid admin key"])
            let apiOnAdminAlias = try await client.get("/api/v1/sessions", key: TestKeys.api)
            XCTAssertEqual(apiOnAdminAlias.json, ["success": false, "error": "Invalid admin key", "code": 401])
            let aliasOK = try await client.get("/api/v1/inbox", key: TestKeys.api)
            XCTAssertEqual(aliasOK.status, .ok)
        }
    }

    /// 7. Outbox.
    func testOutbox() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            try await client.message("session_out", "q")
            let reply = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_out","response":"  answer  "}"#, key: TestKeys.api)
            XCTAssertEqual(reply.status, .ok)
            XCTAssertEqual(reply.data.keys, ["response_id", "session_id", "timestamp"])
            let unknown = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_never","response":"x"}"#, key: TestKeys.api)
            XCTAssertEqual(unknown.status, .badRequest)
            XCTAssertEqual(unknown.error, "Invalid session")
            let empty = try await client.post("/api/v1/?action=outbox", json: "{}", key: TestKeys.api)
            XCTAssertEqual(empty.error, "Missing required fields")
            let badID = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"bad id","response":"x"}"#, key: TestKeys.api)
            XCTAssertEqual(badID.error, "Invalid session ID")
            let long = String(repeating: "long answer ", count: 5_000)
            let longReply = try await client.post("/api/v1/outbox", json: #"{"session_id":"session_out","response":"\#(long)"}"#, key: TestKeys.api)
            XCTAssertEqual(longReply.status, .ok, "agent replies longer than 10000 characters are accepted")
            let replies = try await client.get("/api/v1/?action=responses&session_id=session_out").data["responses"]!.array
            XCTAssertEqual(replies.first?["response"], "answer")
        }
    }

    /// 8. Responses: no session creation (issue 9), item shape, `since`.
    func testResponses() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            let fresh = try await client.get("/api/v1/?action=responses&session_id=session_poll")
            XCTAssertEqual(fresh.status, .ok)
            XCTAssertEqual(fresh.data, ["session_id": "session_poll", "responses": []])
            let firstMessage = try await client.message("session_poll", "hello")
            XCTAssertEqual(firstMessage.data["is_new_user"], true, "a bare poll creates no session (issue 9; the bridge created one)")
            try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_poll","response":"one"}"#, key: TestKeys.api)
            let all = try await client.get("/api/v1/responses?session_id=session_poll").data["responses"]!.array
            XCTAssertEqual(all.count, 1)
            XCTAssertEqual(all[0].keys, ["id", "message_id", "response", "timestamp"])
            XCTAssertEqual(all[0]["message_id"], .null)
            let stamp = all[0]["timestamp"]!.stringValue!
            let since = try await client.get("/api/v1/?action=responses&session_id=session_poll&since=" + stamp.replacingOccurrences(of: " ", with: "%20"))
            XCTAssertEqual(since.data["responses"]!.array.count, 0)
            let isoSince = stamp.replacingOccurrences(of: " ", with: "T")
            let iso = try await client.get("/api/v1/?action=responses&session_id=session_poll&since=\(isoSince)Z")
            XCTAssertEqual(iso.data["responses"]!.array.count, 0, "ISO cursors compare chronologically")
            let earlier = try await client.get("/api/v1/?action=responses&session_id=session_poll&since=2000-01-01T00:00:00Z")
            XCTAssertEqual(earlier.data["responses"]!.array.count, 1)
            let byID = try await client.get("/api/v1/?action=responses&session_id=session_poll&since_id=\(all[0]["id"]!.int!)")
            XCTAssertEqual(byID.data["responses"]!.array.count, 0)
            let value3 = try await client.get("/api/v1/?action=responses").error
            XCTAssertEqual(value3, "Missing session_id")
            let value4 = try await client.get("/api/v1/?action=responses&session_id=x").error
            XCTAssertEqual(value4, "Invalid session ID")
        }
    }

    /// 9. Config round trip; admin key change is effective immediately; secrets masked.
    func testConfigRoundTrip() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            let set = try await client.post("/api/v1/?action=config", json: #"{"widget_title":"Hello","max_sessions_per_ip":10,"flag":true}"#, key: TestKeys.admin)
            XCTAssertEqual(set.status, .ok)
            XCTAssertEqual(set.json.keys, ["message", "success", "timestamp"])
            let get = try await client.get("/api/v1/config", key: TestKeys.admin)
            XCTAssertEqual(get.data["widget_title"], "Hello")
            XCTAssertEqual(get.data["api_key"], "********")
            XCTAssertEqual(get.data["admin_key"], "********")
            XCTAssertFalse(get.text.contains(TestKeys.api))

            let newAdmin = "rotated_admin_key_abcdef"
            let rotate = try await client.post("/admin/api/config", json: #"{"admin_key":"\#(newAdmin)"}"#, key: TestKeys.admin)
            XCTAssertEqual(rotate.status, .ok)
            let value5 = try await client.get("/api/v1/?action=config", key: TestKeys.admin).error
            XCTAssertEqual(value5, "Invalid admin key")
            let value6 = try await client.get("/api/v1/?action=config", key: newAdmin).status
            XCTAssertEqual(value6, .ok)

            let short = try await client.post("/api/v1/?action=config", json: #"{"api_key":""}"#, key: newAdmin)
            XCTAssertEqual(short.status, .badRequest)
            let published = try await client.post("/api/v1/?action=config", json: #"{"api_key":"ObeyG1ant"}"#, key: newAdmin)
            XCTAssertEqual(published.status, .badRequest)
            let badValue = try await client.post("/api/v1/?action=config", json: #"{"a":"ok","b":null}"#, key: newAdmin)
            XCTAssertEqual(badValue.status, .badRequest)
            let value7 = try await client.get("/api/v1/?action=config", key: newAdmin).data["a"]
            XCTAssertNil(value7, "nothing written on failure")
            let value8 = try await client.post("/api/v1/config", json: "{}", key: newAdmin).error
            XCTAssertEqual(value8, "Invalid JSON")
            let value9 = try await client.get("/api/v1/?action=inbox", headers: [.authorization: "Bearer "]).error
            XCTAssertEqual(value9, "Authentication required", "HTTP trims the empty key; empty keys are refused anyway")
        }
    }

    /// 10. cleanup / clear_data / cleanup_logs shapes.
    func testMaintenanceShapes() async throws {
        try await withServer(database: Self.makeDatabase()) { client, _ in
            try await client.message("session_m", "x")
            let cleanup = try await client.post("/api/v1/?action=cleanup", json: "", key: TestKeys.admin)
            XCTAssertEqual(cleanup.data, ["cleaned_count": 0, "message": "Cleaned up 0 inactive sessions"])
            let logs = try await client.post("/api/v1/cleanup_logs", json: "", key: TestKeys.admin)
            XCTAssertEqual(logs.data, ["message": "Log cleanup completed successfully", "current_log_size_mb": 0.0, "backup_files_count": 0,
                                       "total_log_size_mb": 0.0, "retention_days": 30, "max_size_mb": 100])
            XCTAssertTrue(logs.text.contains(#""current_log_size_mb":0.0"#))
            let before = try await client.message("session_m", "y").data["message_id"]!.int!
            let clear = try await client.post("/api/v1/?action=clear_data", json: "", key: TestKeys.admin)
            XCTAssertEqual(clear.data["message"], "All data cleared successfully")
            XCTAssertEqual(clear.data["remaining_data"], ["responses": 0, "messages": 0, "sessions": 0])
            XCTAssertEqual(clear.data["cleaned_data"], ["sessions": 1, "messages": 2, "responses": 0])
            let adminClear = try await client.post("/admin/api/clear_data", json: "", key: TestKeys.admin)
            XCTAssertEqual(adminClear.data["cleaned_data"], ["sessions": 0, "messages": 0, "responses": 0])
            let after = try await client.message("session_m", "z").data["message_id"]!.int!
            XCTAssertGreaterThan(after, before, "ids are never reused")
            let value10 = try await client.post("/api/v1/?action=cleanup", json: "", key: TestKeys.api).error
            XCTAssertEqual(value10, "Invalid admin key")
        }
    }

    /// 11. Widget endpoints and assets.
    func testWidgetEndpoints() async throws {
        try await withServer(database: Self.makeDatabase()) { client, env in
            let missingKey = try await client.get("/widget/init")
            XCTAssertEqual(missingKey.status, .badRequest)
            XCTAssertEqual(missingKey.json, ["success": false, "error": "API key is required"])
            let defaults = try await client.get("/widget/init?apiKey=pk_1")
            XCTAssertEqual(defaults.data["config"], ["apiKey": "pk_1", "position": "bottom-right", "theme": "light", "title": "Chat with us",
                                                     "primaryColor": "#007bff", "language": "en", "autoOpen": false,
                                                     "notifications": true, "sound": true])
            XCTAssertEqual(defaults.data["assets"], ["css": "/widget/static/css/widget.css", "js": "/widget/static/js/chat-widget.js",
                                                     "icons": "/widget/static/assets/icons/"])
            XCTAssertEqual(defaults.data["api"]?["endpoint"], "/api/v1/")
            XCTAssertEqual(defaults.data["api"]?["baseUrl"], "http://localhost")
            let flags = try await client.get("/widget/init?apiKey=k&autoOpen=TRUE&notifications=1&sound=yes&position=weird")
            XCTAssertEqual(flags.data["config"]?["autoOpen"], true)
            XCTAssertEqual(flags.data["config"]?["notifications"], false)
            XCTAssertEqual(flags.data["config"]?["sound"], false)
            XCTAssertEqual(flags.data["config"]?["position"], "weird")
            XCTAssertNil(flags.headers[.accessControlAllowOrigin], "no CORS on /widget/")

            let config = try await client.get("/widget/config")
            XCTAssertEqual(config.data["positions"], ["bottom-right", "bottom-left", "top-right", "top-left"])
            XCTAssertEqual(config.data["defaults"]?["primaryColor"], "#007bff")
            let health = try await client.get("/widget/health")
            XCTAssertEqual(health.data, ["status": "healthy", "version": "1.0.0", "api_status": "connected"])

            let js = try await client.get("/widget/static/js/chat-widget.js")
            XCTAssertEqual(js.status, .ok)
            XCTAssertTrue(js.contentType.contains("javascript"))
            let css = try await client.get("/widget/static/css/widget.css")
            XCTAssertTrue(css.contentType.hasPrefix("text/css"))
            let icon = try await client.get("/widget/static/assets/icons/chat-icon.svg")
            XCTAssertEqual(icon.contentType, "image/svg+xml")
            let missing = try await client.get("/widget/static/nope.js")
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(missing.json, ["success": false, "error": "Widget endpoint not found"])

            let loader = try await client.get("/widget/chat-widget.js", headers: [.acceptEncoding: "gzip"])
            XCTAssertEqual(loader.headers[.cacheControl], "public, max-age=300")
            let etag = try XCTUnwrap(loader.headers[.eTag])
            let revalidated = try await client.get("/widget/chat-widget.js", headers: [.ifNoneMatch: etag])
            XCTAssertEqual(revalidated.status, .notModified)
            let versioned = try await client.get("/widget/v/\(env.assets.version)/chat.js")
            XCTAssertEqual(versioned.headers[.cacheControl], "public, max-age=31536000, immutable")
            XCTAssertEqual(versioned.headers[.accessControlAllowOrigin], "*")
            let page = try await client.get("/widget/")
            XCTAssertTrue(page.contentType.hasPrefix("text/html"))
            XCTAssertNotNil(page.headers[.contentSecurityPolicy])
            let value11 = try await client.get("/widget/demo").status
            XCTAssertEqual(value11, .ok)
        }
    }
}


/// Every golden check again, on a database created by the original's init script (legacy schema,
/// its seeded configuration rows and published keys), migrated in place at start-up; the keys come
/// from the environment, as an operator switching from the bridge would set them.
final class GoldenChecksOnMigratedDatabaseTests: GoldenChecksTests {
    override class func makeDatabase() throws -> String { try MigrationTests.makeLegacyDatabase(withRows: false) }

    // Listed again so Linux test discovery runs them for this class too.
    override func testPreflightOnDispatcher() async throws { try await super.testPreflightOnDispatcher() }
    override func testDispatcherErrorsAndRedirects() async throws { try await super.testDispatcherErrorsAndRedirects() }
    override func testPostMessage() async throws { try await super.testPostMessage() }
    override func testMessageValidation() async throws { try await super.testMessageValidation() }
    override func testInboxAsBrocaCallsIt() async throws { try await super.testInboxAsBrocaCallsIt() }
    override func testAdminKeyOnAgentActions() async throws { try await super.testAdminKeyOnAgentActions() }
    override func testOutbox() async throws { try await super.testOutbox() }
    override func testResponses() async throws { try await super.testResponses() }
    override func testConfigRoundTrip() async throws { try await super.testConfigRoundTrip() }
    override func testMaintenanceShapes() async throws { try await super.testMaintenanceShapes() }
    override func testWidgetEndpoints() async throws { try await super.testWidgetEndpoints() }
}
