import Foundation
import HTTPTypes
import StoreConformance
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Every bad input gets a JSON error with the original's status, never a 500, HTML or a crash.
final class BadInputTests: XCTestCase {
    /// Body-reading endpoints and the key they need.
    static let bodyEndpoints: [(path: String, key: String?)] = [
        ("/api/v1/?action=messages", nil), ("/api/v1/messages", nil),
        ("/api/v1/?action=outbox", TestKeys.api), ("/api/v1/outbox", TestKeys.api),
        ("/api/v1/?action=config", TestKeys.admin), ("/api/v1/config", TestKeys.admin), ("/admin/api/config", TestKeys.admin),
        ("/chat/api/send_message", nil),
    ]

    func testMalformedBodiesGetJSONErrors() async throws {
        try await withServer { client, _ in
            try await client.message("session_bad", "exists")
            for (path, key) in Self.bodyEndpoints {
                for body in ["{", "", "not json", "{\"a\":}", "\u{FEFF}{}", "[1,2", "{\"session_id\": \"session_bad\", \"message\": \"x\"", "[\"a\"]", "\"text\"", "42"] {
                    let answer = try await client.post(path, json: body, key: key)
                    assertJSONError(answer, .badRequest, "\(path) body \(body.debugDescription)")
                }
            }
        }
    }

    func testWrongContentTypeIs415JSON() async throws {
        try await withServer { client, _ in
            for (path, key) in Self.bodyEndpoints {
                for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                    let answer = try await client.post(path, json: #"{"session_id":"session_a","message":"x"}"#, key: key, headers: [.contentType: type])
                    assertJSONError(answer, .unsupportedMediaType, "\(path) \(type)")
                }
                var headers = HTTPFields()
                if let key { headers[.authorization] = "Bearer " + key }
                let none = try await client.send(.post, path, headers: headers, body: #"{"a":1}"#)
                assertJSONError(none, .unsupportedMediaType, "\(path) without Content-Type")
            }
            let vendor = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_v","message":"x"}"#,
                                               headers: [.contentType: "application/vnd.api+json; charset=utf-8"])
            XCTAssertEqual(vendor.status, .ok, "application/*+json is JSON")
        }
    }

    func testNonStringFieldsAreValidationErrors() async throws {
        try await withServer { client, _ in
            try await client.message("session_types", "exists")
            let messages: [(String, String)] = [
                (#"{"session_id":123,"message":"x"}"#, "Invalid session ID"),
                (#"{"session_id":["session_a"],"message":"x"}"#, "Invalid session ID"),
                (#"{"session_id":"session_a","message":{"text":"x"}}"#, "Invalid message"),
                (#"{"session_id":"session_a","message":42}"#, "Invalid message"),
                (#"{"session_id":"session_a","message":true}"#, "Invalid message"),
                (#"{"session_id":null,"message":"x"}"#, "Missing required fields"),
            ]
            for (body, error) in messages {
                let answer = try await client.post("/api/v1/?action=messages", json: body)
                assertJSONError(answer, .badRequest, body)
                XCTAssertEqual(answer.error, error, body)
            }
            let outbox: [(String, String)] = [
                (#"{"session_id":5,"response":"x"}"#, "Invalid session ID"),
                (#"{"session_id":"session_types","response":[1]}"#, "Invalid response"),
                (#"{"session_id":"session_types","response":"x","message_id":{"a":1}}"#, "Invalid message_id"),
                ("[1]", "Invalid JSON"),
                ("[]", "Missing required fields"),
            ]
            for (body, error) in outbox {
                let answer = try await client.post("/api/v1/?action=outbox", json: body, key: TestKeys.api)
                assertJSONError(answer, .badRequest, body)
                XCTAssertEqual(answer.error, error, body)
            }
            let config = try await client.post("/api/v1/?action=config", json: #"{"x":{"nested":1}}"#, key: TestKeys.admin)
            assertJSONError(config, .badRequest, "config object value")
            let chat = try await client.post("/chat/api/send_message", json: #"{"session_id":"widget_1_abc","message":7}"#)
            assertJSONError(chat, .badRequest, "chat non-string message")
        }
    }

    func testOversizedBodyIs413JSONAndNothingStored() async throws {
        try await withServer { client, _ in
            let huge = #"{"session_id":"session_huge","message":""# + String(repeating: "a", count: 2 << 20) + #""}"#
            let answer = try await client.post("/api/v1/?action=messages", json: huge)
            assertJSONError(answer, .contentTooLarge, "2 MiB body")
            let messages = try await client.inbox()
            XCTAssertTrue(messages.isEmpty)
        }
    }

    func testBadQueryParametersGetJSONErrors() async throws {
        try await withServer { client, _ in
            for query in ["limit=abc", "limit=10.5", "limit=", "offset=x", "limit=%FF"] {
                assertJSONError(try await client.get("/api/v1/?action=inbox&" + query, key: TestKeys.api), .badRequest, query)
                assertJSONError(try await client.get("/api/v1/?action=sessions&" + query, key: TestKeys.admin), .badRequest, query)
            }
            assertJSONError(try await client.get("/api/v1/?action=responses&session_id=session_q&since_id=abc"), .badRequest, "since_id")
            let weirdSince = try await client.get("/api/v1/?action=responses&session_id=session_q&since=%00%FF%FE")
            XCTAssertEqual(weirdSince.status, .ok, "an unparseable since is compared raw, never an error")
            let weirdAction = try await client.get("/api/v1/?action=%00%FF")
            assertJSONError(weirdAction, .badRequest, "binary action")
        }
    }

    func testRateLimitAnswers429WithRetryAfter() async throws {
        var config = SanctumConfig()
        config.rateLimits = .init(enabled: true)
        config.rateLimits?.messages = RateBudget(burst: 5, perSecond: 0.01)
        try await withServer(config: config) { client, _ in
            for i in 0..<5 {
                let answer = try await client.message("session_rl", "m\(i)")
                XCTAssertEqual(answer.status, .ok)
            }
            let limited = try await client.message("session_rl", "too many")
            assertJSONError(limited, .tooManyRequests, "over budget")
            XCTAssertEqual(limited.error, "Rate limit exceeded")
            XCTAssertNotNil(limited.headers[.retryAfter].flatMap(Int.init))
            XCTAssertEqual(limited.headers[.accessControlAllowOrigin], "*", "CORS on errors too")
            let agent = try await client.get("/api/v1/?action=inbox", key: TestKeys.api)
            XCTAssertEqual(agent.status, .ok, "agents have their own budget")
            let clear = try await client.post("/api/v1/?action=clear_data", json: "", key: TestKeys.admin)
            XCTAssertEqual(clear.status, .ok)
            let awaited1 = try await client.message("session_rl", "after reset").status
            XCTAssertEqual(awaited1, .ok, "clear_data resets rate limits")
        }
    }

    func testOnceTheFailureBudgetIsSpentEveryKeyFromThatIPIs429UntilItRefills() async throws {
        let clock = TestClock()
        var config = SanctumConfig()
        config.server = .init(host: nil, port: nil, database: nil, trustedProxies: ["127.0.0.1"])
        try await withServer(config: config, clock: clock.read) { client, _ in
            let guesser: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "198.51.100.66"]
            let agentIP: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.10"]
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<21 { statuses.append(try await client.get("/api/v1/?action=config", key: "guess-\(i)-0123456789", headers: guesser).status) }
            XCTAssertEqual(statuses, Array(repeating: .unauthorized, count: 20) + [.tooManyRequests])
            let rightKeys = [("/api/v1/?action=inbox", TestKeys.api), ("/api/v1/inbox", TestKeys.api), ("/api/v1/?action=config", TestKeys.admin),
                             ("/admin/api/sessions", TestKeys.admin), ("/api/v1/?action=conversations", TestKeys.admin),
                             ("/plugins/word-filter/anything", TestKeys.api)]
            for (path, key) in rightKeys {
                let refused = try await client.get(path, key: key, headers: guesser)
                assertJSONError(refused, .tooManyRequests, "the right key from the guessing IP: \(path)")
                XCTAssertEqual(refused.headers[.retryAfter], "5", path)
            }
            let agent = try await client.get("/api/v1/?action=inbox", key: TestKeys.api, headers: agentIP)
            XCTAssertEqual(agent.status, .ok, "the right key from another IP keeps working: no global lockout")
            let lockouts = try await client.get("/admin/api/lockouts", key: TestKeys.admin, headers: agentIP)
            XCTAssertEqual(lockouts.status, .ok)
            XCTAssertEqual(lockouts.data["lockouts"], [["ip": "198.51.100.66", "failures": 20, "refused": .int(Int64(1 + rightKeys.count)),
                                                        "until": .string(Timestamps.iso(clock.now.addingTimeInterval(5)))]])
            clock.advance(5)
            let back = try await client.get("/api/v1/?action=inbox", key: TestKeys.api, headers: guesser)
            XCTAssertEqual(back.status, .ok, "checked again once the budget refilled")
            let none = try await client.get("/admin/api/lockouts", key: TestKeys.admin, headers: agentIP)
            XCTAssertEqual(none.data["lockouts"], [])
        }
    }

    func testEmptyContentTypeIs415NotACrash() async throws {
        try await withServer { client, _ in
            for type in ["", ";", ";;", " ; charset=utf-8"] {
                let answer = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_ct","message":"x"}"#,
                                                   headers: [.contentType: type])
                assertJSONError(answer, .unsupportedMediaType, "Content-Type \(type.debugDescription)")
            }
            let awaited1 = try await client.get("/widget/health").status
            XCTAssertEqual(awaited1, .ok)
        }
    }

    func testForwardedClientIPIsBelievedOnlyFromTrustedProxies() async throws {
        var config = SanctumConfig()
        config.rateLimits = .init(enabled: true)
        config.rateLimits?.messages = RateBudget(burst: 1, perSecond: 0.01)
        config.server = .init(host: nil, port: nil, database: nil, trustedProxies: ["127.0.0.1"])
        try await withServer(config: config) { client, _ in
            func post(_ forwardedFor: String) async throws -> HTTPResponse.Status {
                try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_xff","message":"x"}"#,
                                      headers: [HTTPField.Name("X-Forwarded-For")!: forwardedFor]).status
            }
            let first = try await post("203.0.113.9, 198.51.100.1")
            XCTAssertEqual(first, .ok)
            let sameClient = try await post("10.9.9.9, 198.51.100.1")
            XCTAssertEqual(sameClient, .tooManyRequests, "the right-most untrusted hop is the client; spoofed hops to its left are ignored")
            let otherClient = try await post("198.51.100.2")
            XCTAssertEqual(otherClient, .ok)
        }
        var untrusted = config
        untrusted.server = nil
        try await withServer(config: untrusted) { client, _ in
            let first = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_xff","message":"x"}"#,
                                              headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.3"]).status
            let second = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_xff","message":"x"}"#,
                                               headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.4"]).status
            XCTAssertEqual([first, second], [.ok, .tooManyRequests], "without trusted proxies the header is ignored")
        }
    }

    func testEveryUnknownPathIsJSON() async throws {
        try await withServer { client, _ in
            for path in ["/", "/nope", "/static/x.css", "/admin/api/nope", "/chat/api/nope", "/widget/nope", "/api/v1/%FF"] {
                let answer = try await client.get(path)
                assertJSONError(answer, .notFound, path)
            }
            assertJSONError(try await client.send(.delete, "/widget/init"), .methodNotAllowed, "DELETE /widget/init")
            assertJSONError(try await client.send(.put, "/admin/api/config"), .methodNotAllowed, "PUT /admin/api/config")
        }
    }

    func testNonFiniteMessageIDsAreRefusedAndNeverReachAPoll() async throws {
        try await withServer { client, _ in
            try await client.message("session_nan", "hi")
            for raw in ["NaN", "Infinity", "-Infinity"] {
                let answer = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_nan","response":"x","message_id":\#(raw)}"#,
                                                   key: TestKeys.api)
                XCTAssertEqual(answer.status, .badRequest, raw)
                XCTAssertEqual(answer.error, "Invalid message_id", raw)
            }
            let config = try await client.post("/api/v1/?action=config", json: #"{"ratio":NaN}"#, key: TestKeys.admin)
            XCTAssertEqual(config.status, .badRequest)
            let echoed = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_nan","message":"x","timestamp":NaN}"#)
            XCTAssertEqual(echoed.status, .ok)
            XCTAssertTrue(echoed.text.contains(#""timestamp":null"#), "an echoed NaN is written as null: \(echoed.text)")
            let poll = try await client.get("/api/v1/?action=responses&session_id=session_nan")
            XCTAssertNotNil(JSON.parse(Array(poll.text.utf8)), "the poll answer is valid JSON")
        }
    }

    func testEveryAnswerForbidsSniffingAndPagesStateTheirFramingAndReferrerRules() async throws {
        try await withServer { client, _ in
            let nosniff = HTTPField.Name("X-Content-Type-Options")!
            for uri in ["/api/v1/?action=responses&session_id=session_h", "/api/v1/?action=nope", "/nowhere", "/widget/chat-widget.js",
                        "/api/v1//", "/admin"] {
                let answer = try await client.get(uri)
                XCTAssertEqual(answer.headers[nosniff], "nosniff", uri)
            }
            for page in ["/admin/", "/chat/", "/widget/", "/widget/demo"] {
                let answer = try await client.get(page)
                XCTAssertEqual(answer.status, .ok, page)
                XCTAssertEqual(answer.headers[HTTPField.Name("Referrer-Policy")!], "no-referrer", page)
                XCTAssertEqual(answer.headers[HTTPField.Name("X-Frame-Options")!], "SAMEORIGIN", page)
                XCTAssertTrue(answer.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'self'") == true, page)
            }
        }
    }
}
