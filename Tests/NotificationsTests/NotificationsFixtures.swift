import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Notifications

/// A plugin activated against a `MockHost` whose receivers the test scripts, with helpers to
/// feed it logged events and run its delivery rounds.
struct WebhookRig {
    static let secret = "whsec_test_0123456789abcdef"
    static let hook = "https://hooks.example/sanctum"

    let host: MockHost
    let plugin: Notifications
    let contributions: PluginContributions

    /// The plugin with `webhooks` (by default one endpoint of site `test`) and `tweak` applied.
    init(webhooks: [Notifications.Webhook] = [Notifications.Webhook(site: "test", url: hook, secret: secret)],
         tweak: (inout Notifications.Configuration) -> Void = { _ in },
         respond: @escaping @Sendable (PluginHTTPRequest) async throws -> PluginHTTPResponse = { _ in PluginHTTPResponse(status: 204) }) async throws {
        host = MockHost()
        host.onUnexpectedCall = { XCTFail($0) }
        host.allowStorage()
        host.allowHTTP(respond)
        var configuration = Notifications.Configuration(webhooks: webhooks)
        configuration.firstRetrySeconds = 10
        tweak(&configuration)
        plugin = try Notifications(configuration: configuration)
        contributions = try await plugin.activate(host: host)
    }

    /// Hands `events` to the plugin's subscription as the server does.
    func log(_ events: [LoggedEvent]) async throws {
        try await XCTUnwrap(contributions.subscriptions.first { $0.name == "webhooks" }).handle(events)
    }

    /// A logged event of site `site`.
    func event(_ id: Int64, _ type: String = "message", session: String = "session_a", site: String = "test",
               data: [String: Any] = ["message_id": 1, "text": "hello"]) -> LoggedEvent {
        let json = try! JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])
        return LoggedEvent(id: id, type: type, siteID: site, sessionID: session, at: host.now(), data: json)
    }

    /// The bodies sent so far, decoded.
    var sentBodies: [[String: Any]] {
        host.httpRequests.map { (try? JSONSerialization.jsonObject(with: $0.body)) as? [String: Any] ?? [:] }
    }

    /// The `type` of every body sent so far.
    var sentTypes: [String] { sentBodies.map { $0["type"] as? String ?? "?" } }
}

/// Answers scripted statuses in turn (the last one forever).
final class ScriptedStatuses: Sendable {
    private let remaining: LockedStatuses

    init(_ statuses: [Int]) { remaining = LockedStatuses(statuses) }

    func next() -> PluginHTTPResponse { PluginHTTPResponse(status: remaining.pop()) }
}

/// A thread-safe list of statuses.
final class LockedStatuses: @unchecked Sendable {
    private var statuses: [Int]
    private let lock = NSLock()

    init(_ statuses: [Int]) { self.statuses = statuses }

    func pop() -> Int {
        lock.lock()
        defer { lock.unlock() }
        return statuses.count > 1 ? statuses.removeFirst() : statuses[0]
    }
}
