import Foundation
import HTTPTypes
import PluginAPI
import PluginDispatch
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Plugins through the real server: tiers, hook order, verdicts, deadlines, failures, isolation.
final class PluginIntegrationTests: XCTestCase {
    static let siteAKey = "site_a_agent_key_0123456789"
    static let siteBKey = "site_b_agent_key_0123456789"
    static let environment = ["SANCTUM_API_KEY": TestKeys.api, "SANCTUM_ADMIN_KEY": TestKeys.admin,
                              "SANCTUM_SITE_FREE_AGENT_KEY": siteAKey, "SANCTUM_SITE_PREMIUM_AGENT_KEY": siteBKey]

    static let twoTiers = try! SanctumConfig.parse(yaml: """
        tiers:
          free: { plugins: [domain-allowlist] }
          premium: { plugins: [domain-allowlist, premium-probe, word-filter, suffix-a, suffix-b] }
          reversed: { plugins: [suffix-b, suffix-a] }
        plugins:
          word-filter: { words: [darn] }
        sites:
          - { id: free, tier: free, widget_key: pk_free }
          - { id: premium, tier: premium, widget_key: pk_premium }
          - { id: reversed, tier: reversed, widget_key: pk_reversed }
          - { id: locked, tier: free, widget_key: pk_locked, allowed_origins: ["https://shop.example", "https://*.shop.example"] }
        """)

    override func setUp() { ProbeRecorder.shared.reset() }

    @discardableResult
    private static func post(_ client: Client, key: String, session: String, _ text: String, origin: String? = nil) async throws -> Answer {
        var headers = HTTPFields()
        if let origin { headers[.origin] = origin }
        return try await client.post("/api/v1/?action=messages",
                                      json: #"{"session_id":"\#(session)","message":"\#(text)","widget_key":"\#(key)"}"#, headers: headers)
    }

    func testFreeTierNeverReachesAPremiumPlugin() async throws {
        try await withServer(config: Self.twoTiers, environment: Self.environment, registry: .withProbes) { client, env in
            let awaited1 = try await client.get("/plugins/premium-probe/ping?widget_key=pk_free").status
            XCTAssertEqual(awaited1, .notFound)
            let awaited2 = try await client.get("/plugins/premium-probe/ping").status
            XCTAssertEqual(awaited2, .notFound, "default site: free tier")
            let premium = try await client.get("/plugins/premium-probe/ping?widget_key=pk_premium")
            XCTAssertEqual(premium.status, .ok)
            XCTAssertEqual(premium.json, ["site": "premium", "tier": "premium"])
            let byAgentKey = try await client.get("/plugins/premium-probe/ping", key: Self.siteBKey)
            XCTAssertEqual(byAgentKey.json["site"], "premium")
            let awaited3 = try await client.send(.post, "/plugins/premium-probe/ping?widget_key=pk_premium").status
            XCTAssertEqual(awaited3, .methodNotAllowed)

            let awaited4 = try await Self.post(client, key: "pk_free", session: "session_f", "darn it").status
            XCTAssertEqual(awaited4, .ok, "word-filter is premium")
            let awaited5 = try await Self.post(client, key: "pk_premium", session: "session_p", "hello").status
            XCTAssertEqual(awaited5, .ok)
            for _ in 0..<100 where !ProbeRecorder.shared.all.contains(where: { $0.hasPrefix("observe:") }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let events = ProbeRecorder.shared.all
            XCTAssertTrue(events.contains("validate:premium:hello"), "\(events)")
            XCTAssertTrue(events.contains("observe:premium:visitor:hello-a-b"), "\(events)")
            XCTAssertFalse(events.contains { $0.contains(":free:") }, "the free site's messages never reach the premium plugin: \(events)")

            let freeInit = try await client.get("/widget/init?apiKey=pk_free")
            XCTAssertEqual(freeInit.data["plugins"], [])
            let premiumInit = try await client.get("/widget/init?apiKey=pk_premium")
            XCTAssertEqual(premiumInit.data["plugins"]?.array.first?["id"], "premium-probe")
            let awaited6 = try await client.get("/widget/plugins/premium-probe/module.js?widget_key=pk_free").status
            XCTAssertEqual(awaited6, .notFound)
            let awaited7 = try await client.get("/widget/plugins/premium-probe/module.js?widget_key=pk_premium").status
            XCTAssertEqual(awaited7, .ok)
        }
    }

    func testObserversSeeRejectedMessagesWithThePluginAndCode() async throws {
        try await withServer(config: Self.twoTiers, environment: Self.environment, registry: .withProbes) { client, _ in
            let refused = try await Self.post(client, key: "pk_premium", session: "session_rej", "oh darn")
            XCTAssertEqual(refused.json["error_code"], "word_filter.blocked")
            for _ in 0..<100 where !ProbeRecorder.shared.all.contains(where: { $0.hasPrefix("rejected:") }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let events = ProbeRecorder.shared.all
            XCTAssertTrue(events.contains("rejected:premium:word-filter:word_filter.blocked:oh darn"), "\(events)")
            XCTAssertFalse(events.contains { $0.hasPrefix("observe:") }, "a rejected message is never observed as committed: \(events)")
        }
    }

    func testPublishedPluginEventsReachTheSitesAgentsAndTheOperatorButNoVisitor() async throws {
        try await withServer(config: Self.twoTiers, environment: Self.environment, registry: .withProbes) { client, _ in
            try await Self.post(client, key: "pk_premium", session: "session_pub", "hello")
            let announced = try await client.send(.post, "/plugins/premium-probe/announce?widget_key=pk_premium")
            XCTAssertEqual(announced.status, .ok)
            let agent = try await client.get("/api/v1/?action=events&wait=0", key: Self.siteBKey).data["events"]?.array ?? []
            let plugin = try XCTUnwrap(agent.first { $0["type"] == "plugin" }, "the site's agent sees the plugin event")
            XCTAssertEqual(plugin["data"]?["name"], "premium-probe.announced")
            XCTAssertEqual(plugin["data"]?["plugin"], "premium-probe")
            XCTAssertEqual(plugin["data"]?["attributes"]?["by"], "route")
            XCTAssertEqual(plugin["session_id"], "")
            let admin = try await client.get("/api/v1/?action=events&wait=0", key: TestKeys.admin).data["events"]?.array ?? []
            XCTAssertTrue(admin.contains { $0["type"] == "plugin" }, "the operator sees it")
            let visitor = try await client.get("/api/v1/?action=events&wait=0&session_id=session_pub&widget_key=pk_premium").data["events"]?.array ?? []
            XCTAssertFalse(visitor.isEmpty)
            XCTAssertFalse(visitor.contains { $0["type"] == "plugin" }, "visitors never see plugin events")
        }
    }

    func testRetriesAreObservedOnce() async throws {
        try await withServer(config: Self.twoTiers, environment: Self.environment, registry: .withProbes) { client, _ in
            let body = #"{"session_id":"session_retry","message":"once","widget_key":"pk_premium","client_message_id":"c1"}"#
            for _ in 0..<3 { try await client.post("/api/v1/?action=messages", json: body) }
            let reply = #"{"session_id":"session_retry","response":"answer","client_response_id":"r1"}"#
            for _ in 0..<3 { try await client.post("/api/v1/?action=outbox", json: reply, key: Self.siteBKey) }
            for _ in 0..<100 where ProbeRecorder.shared.all.filter({ $0.hasPrefix("observe:") }).count < 2 {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(200))
            let observed = ProbeRecorder.shared.all.filter { $0.hasPrefix("observe:") }
            XCTAssertEqual(observed, ["observe:premium:visitor:once-a-b", "observe:premium:agent:answer"])
        }
    }

    func testHookOrderFollowsTheConfig() async throws {
        try await withServer(config: Self.twoTiers, environment: Self.environment, registry: .withProbes) { client, _ in
            try await Self.post(client, key: "pk_premium", session: "session_order1", "hi")
            try await Self.post(client, key: "pk_reversed", session: "session_order2", "hi")
            let premium = try await client.get("/api/v1/?action=inbox", key: Self.siteBKey).data["messages"]!.array
            XCTAssertEqual(premium.map { $0["message"] }, ["hi-a-b"])
            let reversed = try await client.get("/admin/api/session_messages?session_id=session_order2", key: TestKeys.admin)
            XCTAssertEqual(reversed.data["messages"]?.array.first?["message"], "hi-b-a")
        }
    }

    func testAValidatorRejectionIsAJSONErrorWithItsCodeAndNothingIsStored() async throws {
        try await withServer(config: Self.twoTiers, environment: Self.environment, registry: .withProbes) { client, _ in
            let rejected = try await Self.post(client, key: "pk_premium", session: "session_rej", "oh DARN")
            assertJSONError(rejected, .badRequest, "word filter")
            XCTAssertEqual(rejected.json["error_code"], "word_filter.blocked")
            XCTAssertEqual(rejected.json["localization_key"], "error.message_blocked")
            XCTAssertEqual(rejected.headers[.accessControlAllowOrigin], "*", "a rejection is still a CORS answer")
            let inbox = try await client.get("/api/v1/?action=inbox", key: Self.siteBKey).data["messages"]!.array
            XCTAssertTrue(inbox.isEmpty, "nothing stored")
            let sessions = try await client.get("/api/v1/?action=sessions&active=false", key: TestKeys.admin).data["sessions"]!.array
            XCTAssertFalse(sessions.contains { $0["id"] == "session_rej" }, "not even the session")
        }
    }

    private static func misbehavingConfig(_ policy: String) throws -> SanctumConfig {
        try SanctumConfig.parse(yaml: """
            tiers: { free: { plugins: [misbehaving, refuser] } }
            plugins: { misbehaving: { policy: \(policy) } }
            """)
    }

    func testASlowHookIsCutAtItsBudgetAndFollowsItsPolicy() async throws {
        try await withServer(config: try Self.misbehavingConfig("fail-closed"), registry: .withProbes) { client, _ in
            let start = ContinuousClock.now
            let answer = try await client.message("session_slow", "slow please")
            XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
            assertJSONError(answer, .serviceUnavailable, "fail-closed")
            XCTAssertEqual(answer.json["error_code"], .string(HookPipeline.unavailableCode))
            let awaited8 = try await client.inbox().isEmpty
            XCTAssertTrue(awaited8)
        }
        try await withServer(config: try Self.misbehavingConfig("fail-open"), registry: .withProbes) { client, _ in
            let start = ContinuousClock.now
            let answer = try await client.message("session_slow", "slow please")
            XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
            XCTAssertEqual(answer.status, .ok, "fail-open lets the message through")
            let awaited9 = try await client.inbox().count
            XCTAssertEqual(awaited9, 1)
        }
    }

    func testThrowingObserversNeverFailARequestAndAFailingPluginIsSwitchedOff() async throws {
        try await withServer(config: try Self.misbehavingConfig("fail-open"), registry: .withProbes) { client, env in
            XCTAssertEqual(env.plugins.activatedIDs, ["misbehaving"], "the refusing plugin is left out, the server runs")
            for i in 0..<8 {
                let answer = try await client.message("session_flaky", "throw \(i)")
                XCTAssertEqual(answer.status, .ok, "request \(i)")
            }
            XCTAssertTrue(env.plugins.pipeline.isSwitchedOff("misbehaving"))
            let awaited10 = try await client.message("session_flaky", "still serving").status
            XCTAssertEqual(awaited10, .ok)
            let awaited11 = try await client.inbox().count
            XCTAssertEqual(awaited11, 9)
        }
    }

    func testDomainAllowlistThroughTheServer() async throws {
        try await withServer(config: Self.twoTiers, environment: Self.environment, registry: .withProbes) { client, _ in
            let allowed = try await Self.post(client, key: "pk_locked", session: "session_dom", "hi", origin: "https://www.shop.example")
            XCTAssertEqual(allowed.status, .ok)
            XCTAssertEqual(allowed.headers[.accessControlAllowOrigin], "https://www.shop.example", "exactly the origin is echoed")
            let denied = try await Self.post(client, key: "pk_locked", session: "session_dom", "hi", origin: "https://evil.example")
            assertJSONError(denied, .forbidden, "disallowed origin")
            XCTAssertEqual(denied.json["error_code"], "origin.not_allowed")
            XCTAssertNil(denied.headers[.accessControlAllowOrigin], "no CORS grant for a refused origin")
            let referer = try await client.get("/api/v1/?action=responses&session_id=session_dom&widget_key=pk_locked",
                                               headers: [.referer: "https://evil.example/page"])
            XCTAssertEqual(referer.status, .forbidden, "Referer is the fallback")
            let widgetInit = try await client.get("/widget/init?apiKey=pk_locked", headers: [.origin: "https://evil.example"])
            XCTAssertEqual(widgetInit.status, .forbidden)
            let open = try await Self.post(client, key: "pk_free", session: "session_open", "hi", origin: "https://evil.example")
            XCTAssertEqual(open.status, .ok, "a site without an allowlist behaves as the bridge")
            XCTAssertEqual(open.headers[.accessControlAllowOrigin], "https://evil.example")
        }
    }

    func testPluginStorageIsPersistentAndNamespaced() async throws {
        let config = try SanctumConfig.parse(yaml: "tiers: { free: { plugins: [counter] } }")
        let database = temporaryDatabase()
        try await withServer(database: database, config: config, registry: .withProbes) { client, _ in
            let awaited12 = try await client.send(.post, "/plugins/counter/hit").json
            XCTAssertEqual(awaited12, ["hits": 1])
            let awaited13 = try await client.send(.post, "/plugins/counter/hit").json
            XCTAssertEqual(awaited13, ["hits": 2])
        }
        try await withServer(database: database, config: config, registry: .withProbes) { client, env in
            let awaited14 = try await client.send(.post, "/plugins/counter/hit").json
            XCTAssertEqual(awaited14, ["hits": 3], "kept across restarts")
            let otherPlugin = try await env.store.pluginValue(pluginID: "premium-probe", key: "hits", now: Date())
            XCTAssertNil(otherPlugin)
        }
    }

    func testConfigErrorsNameTheKeyPath() async throws {
        let unknownPlugin = try SanctumConfig.parse(yaml: "tiers: { gold: { plugins: [nope] } }")
        do {
            _ = try await withServer(config: unknownPlugin) { _, _ in }
            XCTFail("started")
        } catch let error as ConfigError {
            XCTAssertTrue(error.description.hasPrefix("tiers.gold.plugins"), error.description)
        }
        let badPluginSection = try SanctumConfig.parse(yaml: "tiers: { free: { plugins: [word-filter] } }\nplugins: { word-filter: { words: 5 } }")
        do {
            _ = try await withServer(config: badPluginSection) { _, _ in }
            XCTFail("started")
        } catch let error as ConfigError {
            XCTAssertTrue(error.description.hasPrefix("plugins.word-filter.words"), error.description)
        }
        do {
            _ = try SanctumConfig.parse(yaml: "rate_limits: { messages: { burst: lots } }")
            XCTFail("parsed")
        } catch let error as ConfigError {
            XCTAssertTrue(error.description.hasPrefix("rate_limits.messages.burst"), error.description)
        }
    }
}
