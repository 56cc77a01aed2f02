import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Notifications

final class EndpointIsolationTests: XCTestCase {
    static let dead = "https://dead.example/hook"
    static let live = "https://live.example/hook"

    func rig() async throws -> WebhookRig {
        try await WebhookRig(webhooks: [
            Notifications.Webhook(site: "test", url: Self.dead, secret: WebhookRig.secret),
            Notifications.Webhook(site: "other", url: Self.live, secret: WebhookRig.secret, events: ["message.replied"]),
        ], tweak: { $0.breakerFailures = 3; $0.breakerCooldownSeconds = 60; $0.firstRetrySeconds = 1 }, respond: { request in
            if request.url.absoluteString == Self.dead { throw PluginHTTPError.connectionFailed("refused") }
            return PluginHTTPResponse(status: 200)
        })
    }

    func testADeadReceiverOpensItsBreakerAndNeverHoldsBackAnotherSite() async throws {
        let rig = try await rig()
        try await rig.log((1...6).map { rig.event(Int64($0), "reply", session: "session_\($0)") })
        await rig.plugin.sendDue()
        XCTAssertEqual(rig.plugin.endpointWorkers[0].breakerStatus().mode, .open, "6 failures in a row")
        try await rig.log([rig.event(10, "reply", site: "other"), rig.event(11, "message", site: "other")])
        await rig.plugin.sendDue()
        XCTAssertEqual(rig.host.httpRequests.filter { $0.url.absoluteString == Self.live }.count, 1, "only the subscribed type")
        let deadAttempts = rig.host.httpRequests.filter { $0.url.absoluteString == Self.dead }.count
        rig.host.advance(by: 30)
        await rig.plugin.sendDue()
        XCTAssertEqual(rig.host.httpRequests.filter { $0.url.absoluteString == Self.dead }.count, deadAttempts, "open: nothing goes out")
        rig.host.advance(by: 31)
        await rig.plugin.sendDue()
        XCTAssertEqual(rig.host.httpRequests.filter { $0.url.absoluteString == Self.dead }.count, deadAttempts + 1, "half-open: one probe")
    }

    func testRefusesConfigurationsThatCannotWork() {
        let bad: [(Notifications.Webhook, String)] = [
            (Notifications.Webhook(site: "a", url: "ftp://x.example", secret: WebhookRig.secret), "webhooks[0].url"),
            (Notifications.Webhook(site: "a", url: "https://x.example", secret: "short"), "webhooks[0].secret"),
        ]
        for (webhook, key) in bad {
            XCTAssertThrowsError(try Notifications(configuration: .init(webhooks: [webhook]))) { error in
                XCTAssertTrue("\(error)".contains(key), "\(error)")
            }
        }
        var configuration = Notifications.Configuration()
        configuration.maxInFlight = 0
        XCTAssertThrowsError(try Notifications(configuration: configuration))
    }

    func testRetryScheduleDoublesWithJitterAndStopsAtTheWindow() {
        let schedule = RetrySchedule(first: 5, maximum: 3600, window: 86_400)
        XCTAssertEqual(schedule.delay(afterFailures: 1, jitter: 0), 2.5)
        XCTAssertEqual(schedule.delay(afterFailures: 1, jitter: 1), 5)
        XCTAssertEqual(schedule.delay(afterFailures: 4, jitter: 1), 40)
        XCTAssertEqual(schedule.delay(afterFailures: 30, jitter: 1), 3600)
        let queued = Date(timeIntervalSince1970: 0)
        XCTAssertNotNil(schedule.nextAttempt(queuedAt: queued, failures: 3, now: queued.addingTimeInterval(80_000), jitter: 0))
        XCTAssertNil(schedule.nextAttempt(queuedAt: queued, failures: 30, now: queued.addingTimeInterval(86_000), jitter: 1))
    }
}
