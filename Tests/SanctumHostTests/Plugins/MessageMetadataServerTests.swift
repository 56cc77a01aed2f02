import Foundation
import HTTPTypes
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Message metadata through the real server: what plugins attach reaches the inbox, the events,
/// the histories and the visitor's replies; client hints reach the hooks but are never stored.
final class MessageMetadataServerTests: XCTestCase {
    static let agentKey = "meta_site_agent_key_0123456789"
    static let environment = ["SANCTUM_API_KEY": TestKeys.api, "SANCTUM_ADMIN_KEY": TestKeys.admin, "SANCTUM_SITE_META_AGENT_KEY": agentKey]
    static let config = try! SanctumConfig.parse(yaml: """
        tiers:
          meta: { plugins: [i18n-probe, meta-follower, meta-hoarder] }
        sites:
          - { id: meta, tier: meta, widget_key: pk_meta }
        """)

    override func setUp() { ProbeRecorder.shared.reset() }

    private func run(_ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        try await withServer(config: Self.config, environment: Self.environment, registry: .withMetadataProbes) { client, _ in try await body(client) }
    }

    @discardableResult
    private static func post(_ client: Client, session: String, _ text: String, metadata: String? = nil) async throws -> Answer {
        let extra = metadata.map { #","metadata":\#($0)"# } ?? ""
        return try await client.post("/api/v1/?action=messages",
                                      json: #"{"session_id":"\#(session)","message":"\#(text)","widget_key":"pk_meta"\#(extra)}"#)
    }

    private static func inbox(_ client: Client, _ query: String = "") async throws -> [JSON] {
        try await client.get("/api/v1/?action=inbox" + query, key: agentKey).data["messages"]?.array ?? []
    }

    private static func events(_ client: Client) async throws -> [JSON] {
        try await client.get("/api/v1/?action=events&wait=0", key: agentKey).data["events"]?.array ?? []
    }

    func testAttachedMetadataReachesInboxEventsHistoryAndObservers() async throws {
        try await run { client in
            let posted = try await Self.post(client, session: "session_meta", "hallo", metadata: #"{"i18n-probe":{"language":"de"}}"#)
            XCTAssertEqual(posted.status, .ok, posted.text)
            let expected: JSON = ["i18n-probe": ["original": "hallo", "language": "de"]]

            let leased = try await Self.inbox(client, "&lease=30")
            XCTAssertEqual(leased.first?["message"], "HALLO")
            XCTAssertEqual(leased.first?["metadata"], expected, "lease mode")
            XCTAssertEqual(leased.first?.keys, ["id", "message", "metadata", "session_id", "timestamp", "uid"])

            let message = try await Self.events(client).first { $0["type"] == "message" }
            XCTAssertEqual(message?["data"]?["metadata"], expected, "the message event")

            let reply = try await client.post("/api/v1/?action=outbox", json: #"""
                {"session_id":"session_meta","response":"gut","metadata":{"i18n-probe":{"language":"en"}}}
                """#, key: Self.agentKey)
            XCTAssertEqual(reply.status, .ok, reply.text)
            let replyMetadata: JSON = ["i18n-probe": ["original": "gut", "language": "en"]]
            let replies = try await client.get("/api/v1/?action=responses&session_id=session_meta&widget_key=pk_meta")
            XCTAssertEqual(replies.data["responses"]?.array.first?["metadata"], replyMetadata, "the visitor's replies")
            XCTAssertEqual(replies.data["responses"]?.array.first?["response"], "GUT")
            let replyEvent = try await Self.events(client).first { $0["type"] == "reply" }
            XCTAssertEqual(replyEvent?["data"]?["metadata"], replyMetadata, "the reply event")

            let history = try await client.get("/api/v1/?action=history&session_id=session_meta", key: Self.agentKey)
            XCTAssertEqual(history.data["items"]?.array.map { $0["metadata"] }, [expected, replyMetadata], "the console's conversation view")

            for _ in 0..<100 where ProbeRecorder.shared.all.filter({ $0.hasPrefix("stored:") }).count < 2 {
                try await Task.sleep(for: .milliseconds(20))
            }
            let seen = ProbeRecorder.shared.all
            XCTAssertTrue(seen.contains("stored:visitor:HALLO:de"), "observers see the stored metadata: \(seen)")
            XCTAssertTrue(seen.contains("stored:agent:GUT:en"), "\(seen)")
            XCTAssertTrue(seen.contains("follower-saw:de"), "a later hook reads what an earlier one attached: \(seen)")
        }
    }

    func testClientHintsReachHooksButAreNotStored() async throws {
        try await run { client in
            let posted = try await Self.post(client, session: "session_hint", "hello",
                                             metadata: #"{"other-plugin":{"secret":"forged"},"meta-follower":{"saw":"client"}}"#)
            XCTAssertEqual(posted.status, .ok, posted.text)
            XCTAssertTrue(ProbeRecorder.shared.all.contains("hints:meta-follower,other-plugin"), "\(ProbeRecorder.shared.all)")
            let message = try await Self.inbox(client).first
            XCTAssertEqual(message?["message"], "hello")
            XCTAssertNil(message?["metadata"], "hints are never stored, even under a plugin's own id")
            let event = try await Self.events(client).first { $0["type"] == "message" }
            XCTAssertNil(event?["data"]?["metadata"])
        }
    }

    func testAPluginWritesOnlyItsOwnNamespace() async throws {
        try await run { client in
            try await Self.post(client, session: "session_ns", "forge", metadata: #"{"i18n-probe":{"language":"fr"}}"#)
            let metadata = try await Self.inbox(client).first?["metadata"]
            XCTAssertEqual(metadata?["i18n-probe"], ["original": "forge", "language": "fr"], "the other plugin's members are untouched")
            XCTAssertEqual(metadata?["meta-follower"], ["i18n-probe": ["language": "forged"], "saw": "fr"], "the attempt lands in its own namespace")
        }
    }

    func testSizeLimits() async throws {
        try await run { client in
            try await Self.post(client, session: "session_big", "hoard", metadata: #"{"i18n-probe":{"language":"de"}}"#)
            let message = try await Self.inbox(client).first
            XCTAssertEqual(message?["message"], "HOARD", "the failed transformer's text is dropped too (fail-open)")
            XCTAssertEqual(message?["metadata"], ["i18n-probe": ["original": "hoard", "language": "de"]], "earlier metadata is kept")

            let big = #"{"i18n-probe":{"blob":"\#(String(repeating: "x", count: 8200))"}}"#
            let refused = try await Self.post(client, session: "session_big", "hi", metadata: big)
            assertJSONError(refused, .badRequest, "hints over the limit")
            XCTAssertEqual(refused.error, "Invalid metadata: larger than 8192 bytes")
            for bad in [#""text""#, "[]", #"{"i18n-probe":1}"#, #"{"":{}}"#] {
                let answer = try await Self.post(client, session: "session_big", "hi", metadata: bad)
                assertJSONError(answer, .badRequest, bad)
                XCTAssertEqual(answer.error, "Invalid metadata: expected an object of objects keyed by namespace", bad)
            }
            let outbox = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_big","response":"x","metadata":[1]}"#,
                                               key: Self.agentKey)
            assertJSONError(outbox, .badRequest, "outbox hints")
            let nullHints = try await Self.post(client, session: "session_big", "null hints", metadata: "null")
            XCTAssertEqual(nullHints.status, .ok, "null means none")
        }
    }

    func testAnswersWithoutMetadataAreUnchanged() async throws {
        try await run { client in
            try await Self.post(client, session: "session_plain", "plain")
            let inbox = try await client.get("/api/v1/?action=inbox", key: Self.agentKey)
            XCTAssertEqual(inbox.data["messages"]?.array.first?.keys, ["id", "message", "session_id", "timestamp", "uid"])
            XCTAssertFalse(inbox.text.contains("metadata"), inbox.text)
            _ = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_plain","response":"ok"}"#, key: Self.agentKey)
            let replies = try await client.get("/api/v1/?action=responses&session_id=session_plain&widget_key=pk_meta")
            XCTAssertEqual(replies.data["responses"]?.array.first?.keys, ["id", "message_id", "response", "timestamp"])
            let events = try await client.get("/api/v1/?action=events&wait=0", key: Self.agentKey)
            let history = try await client.get("/api/v1/?action=history&session_id=session_plain", key: Self.agentKey)
            for answer in [replies, events, history] { XCTAssertFalse(answer.text.contains("metadata"), answer.text) }
        }
    }
}
