import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Notifications

final class DeliveryTests: XCTestCase {
    func testSignsTheExactBodyWithTheEndpointSecretAndNamesTheDelivery() async throws {
        let rig = try await WebhookRig()
        try await rig.log([rig.event(7)])
        while await rig.plugin.sendDue() > 0 {}  // conversation.created, then message.created
        let request = try XCTUnwrap(rig.host.httpRequests.last)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.url.absoluteString, WebhookRig.hook)
        XCTAssertEqual(request.headers["content-type"], "application/json")
        let signature = try XCTUnwrap(request.headers["sanctum-signature"])
        let timestamp = Int(rig.host.now().timeIntervalSince1970)
        let expected = MockCrypto().hmacSHA256(key: Data(WebhookRig.secret.utf8), message: Data("\(timestamp).".utf8) + request.body)
        XCTAssertEqual(signature, "t=\(timestamp),v1=\(expected.lowercaseHex)")
        XCTAssertTrue(try XCTUnwrap(request.headers["sanctum-delivery"]).hasPrefix("dlv_"))
        XCTAssertTrue(request.headers["sanctum-delivery"]!.hasSuffix("_7_1"))
    }

    func testAnnouncesANewConversationBeforeItsFirstMessageThenCarriesRepliesReadsAndPluginEvents() async throws {
        let rig = try await WebhookRig()
        try await rig.log([
            rig.event(1),
            rig.event(2, data: ["message_id": 2, "text": "again"]),
            rig.event(3, "reply", data: ["response_id": 9, "text": "hi"]),
            rig.event(4, "read", data: ["by": "visitor", "up_to": 9]),
            rig.event(5, "typing", data: ["active": true]),
            rig.event(6, "plugin", session: "", data: ["plugin": "link-guard", "name": "link-guard.refused", "attributes": [:]]),
            rig.event(7, "plugin", session: "", data: ["plugin": "notifications", "name": "notifications.own", "attributes": [:]]),
        ])
        while await rig.plugin.sendDue() > 0 {}
        let conversation = rig.sentBodies.filter { ($0["data"] as? [String: Any])?["conversation_id"] as? String == "session_a" }
        XCTAssertEqual(conversation.map { $0["type"] as? String }, ["conversation.created", "message.created", "message.created",
                                                                    "message.replied", "conversation.read"])
        XCTAssertEqual(rig.sentTypes.filter { $0.hasPrefix("link-guard.") || $0.hasPrefix("notifications.") }, ["link-guard.refused"])
        XCTAssertFalse(rig.sentTypes.contains("typing"))
        let first = try XCTUnwrap(conversation.first)
        XCTAssertEqual(Set(first.keys), ["id", "type", "site", "created_at", "data"])
        XCTAssertEqual(first["id"] as? String, "evt_1_created")
        XCTAssertEqual(first["site"] as? String, "test")
        let message = conversation[1]
        XCTAssertEqual(message["id"] as? String, "evt_1")
        let data = try XCTUnwrap(message["data"] as? [String: Any])
        XCTAssertEqual(data["conversation_id"] as? String, "session_a")
        XCTAssertEqual(data["text"] as? String, "hello")
    }

    func testABatchHandedOverAgainQueuesNothingTwice() async throws {
        let rig = try await WebhookRig()
        try await rig.log([rig.event(1), rig.event(2)])
        try await rig.log([rig.event(1), rig.event(2)])
        while await rig.plugin.sendDue() > 0 {}
        try await rig.log([rig.event(2)])
        while await rig.plugin.sendDue() > 0 {}
        XCTAssertEqual(rig.host.httpRequests.map { $0.headers["sanctum-delivery"]!.split(separator: "_").suffix(2).joined(separator: "_") },
                       ["1_0", "1_1", "2_1"])
    }

    func testRetriesWithBackoffUnderTheSameDeliveryIDUntilA2xx() async throws {
        let statuses = ScriptedStatuses([500, 302, 200])
        let rig = try await WebhookRig(respond: { _ in statuses.next() })
        try await rig.log([rig.event(1, "reply")])
        let sent1 = await rig.plugin.sendDue()
        XCTAssertEqual(sent1, 1)
        let sent2 = await rig.plugin.sendDue()
        XCTAssertEqual(sent2, 0, "not due before the backoff")
        rig.host.advance(by: 10)
        let sent3 = await rig.plugin.sendDue()
        XCTAssertEqual(sent3, 1, "a redirect is a failure too")
        rig.host.advance(by: 20)
        let sent4 = await rig.plugin.sendDue()
        XCTAssertEqual(sent4, 1)
        rig.host.advance(by: 3600)
        let sent5 = await rig.plugin.sendDue()
        XCTAssertEqual(sent5, 0, "delivered: never again")
        XCTAssertEqual(Set(rig.host.httpRequests.map { $0.headers["sanctum-delivery"]! }).count, 1)
        let log = try await DeliveryStore(storage: rig.host.storage, logRetention: .seconds(60)).all(endpoint: rig.plugin.endpointWorkers[0].endpoint.id, limit: 10)
        XCTAssertEqual(log.first?.state, .delivered)
        XCTAssertEqual(log.first?.attempts.map(\.status), [500, 302, 200])
        XCTAssertEqual(log.first?.attempts.map(\.error), ["HTTP 500", "HTTP 302", nil])
    }

    func testKeepsEachConversationInOrderWhileOthersGoOn() async throws {
        let rig = try await WebhookRig(respond: { request in
            let body = String(decoding: request.body, as: UTF8.self)
            return PluginHTTPResponse(status: body.contains("\"evt_1\"") ? 503 : 200)
        })
        try await rig.log([rig.event(1), rig.event(2), rig.event(3, session: "session_b")])
        while await rig.plugin.sendDue() > 0 {}
        // a: created (ok), message 1 (503, waiting); message 2 must wait behind it. b: both sent.
        let ids = rig.sentBodies.map { $0["id"] as? String ?? "" }
        XCTAssertEqual(ids.filter { $0.hasPrefix("evt_1") || $0.hasPrefix("evt_2") }, ["evt_1_created", "evt_1"])
        XCTAssertEqual(ids.filter { $0.hasPrefix("evt_3") }, ["evt_3_created", "evt_3"])
    }

    func testDeadLettersAfterTheRetryWindowAndReplaysOnRequest() async throws {
        let statuses = ScriptedStatuses([500])
        let rig = try await WebhookRig(tweak: { $0.retryForHours = 1; $0.breakerFailures = 1000 }, respond: { _ in statuses.next() })
        try await rig.log([rig.event(1, "reply")])
        for _ in 0..<40 {
            await rig.plugin.sendDue()
            rig.host.advance(by: 300)
        }
        let store = DeliveryStore(storage: rig.host.storage, logRetention: .seconds(86_400))
        let endpoint = rig.plugin.endpointWorkers[0].endpoint.id
        let log = try await store.all(endpoint: endpoint, limit: 10)
        let dead = try XCTUnwrap(log.first)
        XCTAssertEqual(dead.state, .dead)
        XCTAssertGreaterThan(dead.attemptCount, 3)
        XCTAssertTrue(rig.host.logs.contains { $0.level == .warning && $0.message.contains("dead-lettered") })
        let sent = rig.host.httpRequests.count
        await rig.plugin.sendDue()
        XCTAssertEqual(rig.host.httpRequests.count, sent, "a dead delivery is not sent again by itself")

        let replayed = try await store.replay(id: dead.id, now: rig.host.now())
        XCTAssertEqual(replayed?.state, .pending)
        let queued = try XCTUnwrap(replayed)
        rig.plugin.endpointWorkers[0].noteQueued(DeliveryStore.PendingKey(queued))
        rig.plugin.endpointWorkers[0].wake(forgetting: DeliveryStore.pendingKey(queued))
        let sent6 = await rig.plugin.sendDue()
        XCTAssertEqual(sent6, 1)
        XCTAssertEqual(rig.host.httpRequests.last?.headers["sanctum-delivery"], dead.id)
    }

    func testKeepsAtMostEightInFlightPerEndpoint() async throws {
        let rig = try await WebhookRig()
        try await rig.log((1...20).map { rig.event(Int64($0), "reply", session: "session_\($0)") })
        let worker = rig.plugin.endpointWorkers[0]
        let sent7 = await worker.startDue().count
        XCTAssertEqual(sent7, 8)
        let sent8 = await worker.startDue().count
        XCTAssertEqual(sent8, 0, "all eight still in flight")
    }
}
