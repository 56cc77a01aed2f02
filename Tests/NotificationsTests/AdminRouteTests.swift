import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Notifications

final class AdminRouteTests: XCTestCase {
    func testTheOperatorListsDeliveriesWithAttemptsAndReplaysOneAgentsCannot() async throws {
        let rig = try await WebhookRig()
        let harness = try await HookHarness(Notifications.self, configuration: rig.plugin.configuration, host: rig.host)
        try await rig.log([rig.event(1, "reply")])
        await rig.plugin.sendDue()

        let listed = await harness.call("GET", "/plugins/notifications/deliveries", as: .admin)
        XCTAssertEqual(listed.status, 200)
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: listed.body) as? [String: Any])
        XCTAssertEqual(answer["success"] as? Bool, true)
        let list = try XCTUnwrap(answer["data"] as? [String: Any])
        let deliveries = try XCTUnwrap(list["deliveries"] as? [[String: Any]])
        XCTAssertEqual(deliveries.count, 1)
        XCTAssertEqual(deliveries[0]["state"] as? String, "delivered")
        XCTAssertEqual(deliveries[0]["type"] as? String, "message.replied")
        let attempts = try XCTUnwrap(deliveries[0]["attempts"] as? [[String: Any]])
        XCTAssertEqual(attempts.first?["status"] as? Int, 204)
        XCTAssertNotNil(attempts.first?["latency_ms"])
        let endpoints = try XCTUnwrap(list["endpoints"] as? [[String: Any]])
        XCTAssertEqual(endpoints.first?["breaker"] as? String, "closed")

        let id = try XCTUnwrap(deliveries[0]["id"] as? String)
        let agent = await harness.call("POST", "/plugins/notifications/replay", as: .agent, query: ["id": id])
        XCTAssertEqual(agent.status, 403)
        let replay = await harness.call("POST", "/plugins/notifications/replay", as: .admin, query: ["id": id])
        XCTAssertEqual(replay.status, 200)
        rig.host.advance(by: 31)  // the harness's instance replayed it: this one reads it at its next rescan
        let sent1 = await rig.plugin.sendDue()
        XCTAssertEqual(sent1, 1)
        XCTAssertEqual(rig.host.httpRequests.map { $0.headers["sanctum-delivery"] }, [id, id])

        let missing = await harness.call("POST", "/plugins/notifications/replay", as: .admin, query: ["id": "dlv_nope_1_1"])
        XCTAssertEqual(missing.status, 404)
        let shown = await harness.call("GET", "/plugins/notifications/delivery", as: .admin, query: ["id": id])
        XCTAssertEqual(shown.status, 200)
        XCTAssertTrue(String(decoding: shown.body, as: UTF8.self).contains("evt_1"))
    }

    func testConforms() async {
        let failures = await PluginConformance.check(Notifications.self, configuration: .init())
        XCTAssertEqual(failures, [])
    }
}
