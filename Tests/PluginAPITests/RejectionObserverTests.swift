import Foundation
import PluginAPI
import PluginTesting
import XCTest

/// Observers see rejected messages — which plugin, which code — through the real pipeline.
final class RejectionObserverTests: XCTestCase {
    /// Refuses messages containing "spam".
    struct SpamGuard: Plugin {
        static let descriptor = PluginDescriptor(id: "spam-guard", version: "1", capabilities: [.validateMessages], summary: "test")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(validators: [MessageValidator(name: "spam") { draft, _ in
                draft.text.contains("spam") ? .reject(code: "spam.blocked", localizationKey: "error.spam", message: "No spam") : .allow
            }])
        }
    }

    /// Counts rejections per site and plugin in storage.
    struct RejectionCounter: Plugin {
        static let descriptor = PluginDescriptor(id: "rejection-counter", version: "1", minimumAPIVersion: PluginAPIVersion(2, 1),
                                                 capabilities: [.observeMessages, .storage], summary: "test")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(observers: [MessageObserver.rejections(name: "count") { rejection in
                try await host.storage.increment("\(rejection.site.id):\(rejection.pluginID):\(rejection.code)")
            }])
        }
    }

    func testARejectionReachesTheObserversWithThePluginAndItsCode() async throws {
        let host = MockHost()
        let storage = host.allowStorage()
        let harness = try await HookHarness(plugins: [(SpamGuard.self, NoConfiguration()), (RejectionCounter.self, NoConfiguration())],
                                            host: host, site: SiteInfo(id: "shop", tier: "t"))
        _ = await harness.prepare(visitor: "buy spam now")
        _ = await harness.prepare(visitor: "more spam")
        _ = await harness.prepare(visitor: "hello")
        await harness.notify(text: "hello")
        let rejected = try await storage.counter("shop:spam-guard:spam.blocked")
        XCTAssertEqual(rejected, 2, "each rejection once; accepted and committed messages are not rejections")
        let keys = try await storage.keys(prefix: "")
        XCTAssertEqual(keys, ["shop:spam-guard:spam.blocked"])
    }

    func testRejectionObserversRunOnlyForSitesWhoseTierEnablesThem() async throws {
        let host = MockHost()
        let recorder = host.recordUnexpectedCalls()
        let harness = try await HookHarness(plugins: [(SpamGuard.self, NoConfiguration()), (RejectionCounter.self, NoConfiguration())],
                                            host: host, site: SiteInfo(id: "shop", tier: "t"), tiers: ["t": ["spam-guard"]])
        _ = await harness.prepare(visitor: "spam")
        XCTAssertEqual(recorder.calls, [], "a tier without the counter never runs it (it would have used storage)")
    }
}
