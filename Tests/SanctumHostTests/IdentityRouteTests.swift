import Foundation
import HTTPTypes
import StoreConformance
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Identity verification and secret rotation over real HTTP on loopback: verified users'
/// conversations across devices, strict sites, and old secrets valid only during their overlap.
final class IdentityRouteTests: XCTestCase {
    static let secret = "acme-identity-secret-0123456789abcdef"
    static let oldSecret = "acme-old-identity-secret-0123456789ab"
    static let acmeAgent = "sk_acme_new_agent_key_0123456789"
    static let acmeOldAgent = "sk_acme_old_agent_key_0123456789"
    static let oldAPIKey = "old_api_key_0123456789_abcdef"
    static let clockStart = Date(timeIntervalSince1970: 1_900_000_000)

    static var config: SanctumConfig {
        let until = ISO8601DateFormatter().string(from: clockStart.addingTimeInterval(3600))
        return try! SanctumConfig.parse(yaml: """
            keys:
              previous_api_keys: [{ key: \(oldAPIKey), until: "\(until)" }]
            sites:
              - id: acme
                widget_key: pk_acme_new
                previous_widget_keys: [{ key: pk_acme_old, until: "\(until)" }]
                previous_agent_keys: [{ key: \(acmeOldAgent), until: "\(until)" }]
                identity:
                  secret: \(secret)
                  previous_secrets: [{ key: \(oldSecret), until: "\(until)" }]
              - id: vault
                widget_key: pk_vault
                identity: { secret: \(secret), strict: true }
            """)
    }

    static let environment = ["SANCTUM_API_KEY": TestKeys.api, "SANCTUM_ADMIN_KEY": TestKeys.admin,
                              "SANCTUM_SITE_ACME_AGENT_KEY": acmeAgent, "SANCTUM_SITE_VAULT_AGENT_KEY": "sk_vault_agent_key_0123456789"]

    func testAVerifiedUserHasOneConversationAcrossDevices() async throws {
        try await withServer(config: Self.config, environment: Self.environment) { client, _ in
            let hash = IdentityVerifier.userHash("42", secret: Self.secret)
            let proof = #""widget_key":"pk_acme_new","user_id":42,"user_hash":"\#(hash)""#
            let laptop = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_laptop","message":"from the laptop",\#(proof)}"#)
            XCTAssertEqual(laptop.status, .ok, laptop.text)
            let phone = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_phone","message":"from the phone",\#(proof)}"#)
            XCTAssertEqual(phone.data["session_id"]?.stringValue, "session_phone", "the widget keeps its own id")
            let forged = try await client.post("/api/v1/?action=messages",
                                               json: #"{"session_id":"session_forger","message":"I am 42","widget_key":"pk_acme_new","user_id":"42","user_hash":"\#(String(repeating: "0", count: 64))"}"#)
            XCTAssertEqual(forged.status, .ok, "a forged proof on a non-strict site is an anonymous visitor")

            let inbox = try await client.get("/api/v1/?action=inbox", key: Self.acmeAgent).data["messages"]?.array ?? []
            XCTAssertEqual(inbox.map { $0["session_id"]?.stringValue }, ["session_laptop", "session_laptop", "session_forger"])
            XCTAssertEqual(inbox[0]["identity"], ["user_id": "42", "verified": true])
            XCTAssertNil(inbox[2]["identity"], "an unverified claim is never shown as verified")

            try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_laptop","response":"hello Ada"}"#, key: Self.acmeAgent)
            let onPhone = try await client.get("/api/v1/?action=responses&session_id=session_phone&widget_key=pk_acme_new&user_id=42&user_hash=\(hash)")
            XCTAssertEqual(onPhone.data["responses"]?.array.map { $0["response"]?.stringValue }, ["hello Ada"], "the reply reaches the other device")
            let anonymous = try await client.get("/api/v1/?action=responses&session_id=session_phone&widget_key=pk_acme_new")
            XCTAssertEqual(anonymous.data["responses"]?.array.count, 0, "without the proof the phone's id is its own, empty conversation")
            let events = try await client.get("/api/v1/?action=events&session_id=session_phone&widget_key=pk_acme_new&user_id=42&user_hash=\(hash)&wait=0")
            let seen = events.data["events"]?.array ?? []
            XCTAssertEqual(Set(seen.compactMap { $0["session_id"]?.stringValue }), ["session_phone"], "events come under the widget's own id")
            XCTAssertEqual(seen.filter { $0["type"] == "message" }.count, 2, "both devices' messages")

            let history = try await client.get("/api/v1/?action=history&session_id=session_laptop", key: Self.acmeAgent)
            XCTAssertEqual(history.data["identity"]?["verified"], true)
            let list = try await client.get("/api/v1/?action=conversations", key: Self.acmeAgent).data["conversations"]?.array ?? []
            XCTAssertEqual(list.first { $0["session_id"] == "session_laptop" }?["identity"]?["user_id"], "42")
        }
    }

    /// The widget of a device without local history asks for events from 0: it gets the verified
    /// conversation from its first event, in order, under its own id; a forged proof gets nothing.
    func testANewDeviceReplaysTheVerifiedConversationFromItsFirstEvent() async throws {
        try await withServer(config: Self.config, environment: Self.environment) { client, _ in
            let hash = IdentityVerifier.userHash("7", secret: Self.secret)
            let proof = #""widget_key":"pk_acme_new","user_id":"7","user_hash":"\#(hash)""#
            for text in ["first", "second"] {
                let sent = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_desk","message":"\#(text)",\#(proof)}"#)
                XCTAssertEqual(sent.status, .ok, sent.text)
            }
            try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_desk","response":"answer"}"#, key: Self.acmeAgent)

            let tablet = try await client.get("/api/v1/?action=events&session_id=session_tablet&widget_key=pk_acme_new&user_id=7&user_hash=\(hash)&last_event_id=0&wait=0")
            XCTAssertEqual(tablet.status, .ok, tablet.text)
            let shown = (tablet.data["events"]?.array ?? []).filter { $0["type"] == "message" || $0["type"] == "reply" }
            XCTAssertEqual(shown.map { $0["type"]?.stringValue }, ["message", "message", "reply"])
            XCTAssertEqual(shown.map { $0["data"]?["text"]?.stringValue }, ["first", "second", "answer"])
            XCTAssertEqual(Set(shown.compactMap { $0["session_id"]?.stringValue }), ["session_tablet"], "under the tablet's own id")

            let forged = try await client.get("/api/v1/?action=events&session_id=session_thief&widget_key=pk_acme_new&user_id=7&user_hash=\(String(repeating: "0", count: 64))&wait=0")
            XCTAssertEqual(forged.data["events"]?.array.count, 0, "a forged proof reads nothing of user 7's conversation")
        }
    }

    func testAStrictSiteRefusesAnonymousAndBadProofs() async throws {
        let clock = TestClock(start: Self.clockStart)
        try await withServer(config: Self.config, environment: Self.environment, clock: clock.read) { client, _ in
            func send(_ proof: String) async throws -> Answer {
                try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_v","message":"hi","widget_key":"pk_vault"\#(proof)}"#)
            }
            func refused(_ proof: String, _ code: String) async throws {
                let answer = try await send(proof)
                assertJSONError(answer, .forbidden, code)
                XCTAssertEqual(answer.json["error_code"]?.stringValue, code)
            }
            try await refused("", "identity.required")
            try await refused(#","user_id":"7","user_hash":"\#(IdentityVerifier.userHash("8", secret: Self.secret))""#, "identity.invalid")
            let exp = Int64(Self.clockStart.timeIntervalSince1970)
            try await refused(#","identity_token":"\#(Self.jwt(["sub": "7", "exp": .int(exp + 60)], header: #"{"alg":"none"}"#, secret: Self.secret))""#, "identity.algorithm")
            try await refused(#","identity_token":"\#(Self.jwt(["sub": "7", "exp": .int(exp - 120)], secret: Self.secret))""#, "identity.expired")
            try await refused(#","identity_token":"\#(Self.jwt(["sub": "7", "exp": .int(exp + 60)], secret: "wrong-secret-wrong-secret-wrong-secret"))""#, "identity.invalid")
            let good = try await send(#","identity_token":"\#(Self.jwt(["sub": "7", "exp": .int(exp + 60), "name": "Grace"], secret: Self.secret))""#)
            XCTAssertEqual(good.status, .ok, good.text)
            assertJSONError(try await client.get("/api/v1/?action=responses&session_id=session_v&widget_key=pk_vault"), .forbidden, "polls too")
            let wrongType = try await send(#","identity_token":5"#)
            assertJSONError(wrongType, .badRequest, "a proof field of the wrong type")
            XCTAssertEqual(wrongType.error, "Invalid identity_token: must be a string (docs/identity.md)")
        }
    }

    func testOldSecretsWorkDuringTheOverlapOnly() async throws {
        let clock = TestClock(start: Self.clockStart)
        try await withServer(config: Self.config, environment: Self.environment, clock: clock.read) { client, _ in
            let oldHash = IdentityVerifier.userHash("42", secret: Self.oldSecret)
            func post(_ session: String, widgetKey: String) async throws -> Answer {
                try await client.post("/api/v1/?action=messages",
                                      json: #"{"session_id":"\#(session)","message":"hi","widget_key":"\#(widgetKey)","user_id":"42","user_hash":"\#(oldHash)"}"#)
            }
            let oldWidgetKey = try await post("session_r1", widgetKey: "pk_acme_old")
            XCTAssertEqual(oldWidgetKey.status, .ok, "old widget key during the overlap")
            let newWidgetKey = try await post("session_r2", widgetKey: "pk_acme_new")
            XCTAssertEqual(newWidgetKey.status, .ok, "new widget key")
            let during = try await client.get("/api/v1/?action=inbox", key: Self.acmeOldAgent)
            XCTAssertEqual(during.status, .ok, "old agent key during the overlap")
            XCTAssertEqual(during.data["messages"]?.array.map { $0["identity"]?["verified"] }, [true, true], "old identity secret during the overlap")
            let newAgentKey = try await client.get("/api/v1/?action=inbox", key: Self.acmeAgent)
            XCTAssertEqual(newAgentKey.status, .ok, "new agent key")
            let oldAPIKey = try await client.get("/api/v1/?action=inbox", key: Self.oldAPIKey)
            XCTAssertEqual(oldAPIKey.status, .ok, "old API key during the overlap")

            clock.advance(3600)
            let retired = try await post("session_r3", widgetKey: "pk_acme_old")
            assertJSONError(retired, .unauthorized, "old widget key after the overlap")
            XCTAssertEqual(retired.json["error_code"]?.stringValue, "widget_key.retired")
            assertJSONError(try await client.get("/api/v1/?action=inbox", key: Self.acmeOldAgent), .unauthorized, "old agent key after")
            assertJSONError(try await client.get("/api/v1/?action=inbox", key: Self.oldAPIKey), .unauthorized, "old API key after")
            let afterWithNewKey = try await post("session_r4", widgetKey: "pk_acme_new")
            XCTAssertEqual(afterWithNewKey.status, .ok)
            let after = try await client.get("/api/v1/?action=inbox", key: Self.acmeAgent).data["messages"]?.array ?? []
            XCTAssertEqual(after.map { $0["session_id"]?.stringValue }, ["session_r4"])
            XCTAssertNil(after.first?["identity"], "the old identity secret no longer verifies")
        }
    }

    func testBadIdentityConfigurationStopsTheServerWithItsKeyPath() async throws {
        for (yaml, expected) in [
            ("sites: [{ id: shop, identity: { secret: short } }]", "sites[0].identity.secret: must be at least 32 characters"),
            ("sites: [{ id: shop, identity: { strict: true } }]", "sites[0].identity.strict: a strict site needs an identity secret"),
            ("sites: [{ id: shop, previous_widget_keys: [{ key: pk_old, until: tomorrow }] }]", "sites[0].previous_widget_keys[0].until: expected an RFC 3339 time"),
        ] {
            do {
                try await withServer(config: try SanctumConfig.parse(yaml: yaml)) { _, _ in XCTFail("started with \(yaml)") }
            } catch {
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    static func jwt(_ claims: JSON, header: String = #"{"alg":"HS256","typ":"JWT"}"#, secret: String) -> String {
        func base64URL(_ bytes: some Sequence<UInt8>) -> String {
            Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let signed = base64URL(Array(header.utf8)) + "." + base64URL(claims.serializedBytes.dropLast())
        return signed + "." + base64URL(IdentityVerifier.mac(Array(signed.utf8), secret: secret))
    }
}
