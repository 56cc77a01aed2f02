import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Notifications

/// Rotating a webhook secret without downtime: during the overlap every delivery carries a
/// `v1=` for the new secret and one for the old; after it, only the new one.
final class SecretRotationTests: XCTestCase {
    static let oldSecret = "whsec_old_0123456789abcdef"

    func testBothSecretsSignDuringTheOverlapAndOnlyTheNewOneAfter() async throws {
        let until = ISO8601DateFormatter().string(from: MockHost().now().addingTimeInterval(3600))
        let webhook = Notifications.Webhook(site: "test", url: WebhookRig.hook, secret: WebhookRig.secret,
                                            previousSecrets: [.init(secret: Self.oldSecret, until: until)])
        let rig = try await WebhookRig(webhooks: [webhook])
        try await rig.log([rig.event(1)])
        while await rig.plugin.sendDue() > 0 {}
        let during = try XCTUnwrap(rig.host.httpRequests.last)
        XCTAssertEqual(try XCTUnwrap(during.headers["sanctum-signature"]), signature(during, secrets: [WebhookRig.secret, Self.oldSecret], rig: rig))

        rig.host.advance(by: 3600)
        try await rig.log([rig.event(2)])
        while await rig.plugin.sendDue() > 0 {}
        let after = try XCTUnwrap(rig.host.httpRequests.last)
        XCTAssertNotEqual(after.body, during.body)
        XCTAssertEqual(try XCTUnwrap(after.headers["sanctum-signature"]), signature(after, secrets: [WebhookRig.secret], rig: rig))
    }

    func testABadOldSecretOrTimeStopsTheStart() {
        for (old, message) in [(Notifications.RetiringSecret(secret: "short", until: "2030-01-01T00:00:00Z"), "previous_secrets[0].secret"),
                               (Notifications.RetiringSecret(secret: Self.oldSecret, until: "tomorrow"), "previous_secrets[0].until")] {
            let webhook = Notifications.Webhook(site: "test", url: WebhookRig.hook, secret: WebhookRig.secret, previousSecrets: [old])
            XCTAssertThrowsError(try Notifications(configuration: Notifications.Configuration(webhooks: [webhook]))) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }

    private func signature(_ request: PluginHTTPRequest, secrets: [String], rig: WebhookRig) -> String {
        let timestamp = Int(rig.host.now().timeIntervalSince1970)
        let values = secrets.map { "v1=" + MockCrypto().hmacSHA256(key: Data($0.utf8), message: Data("\(timestamp).".utf8) + request.body).lowercaseHex }
        return (["t=\(timestamp)"] + values).joined(separator: ",")
    }
}
