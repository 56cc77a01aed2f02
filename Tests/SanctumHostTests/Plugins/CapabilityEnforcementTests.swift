import Foundation
import PluginAPI
import PluginDispatch
import PluginTesting
import XCTest
@testable import SanctumHost

/// The server enforces declared capabilities with the same code as `PluginTesting`
/// (``PluginActivation``): a plugin gets the same answer from both.
final class CapabilityEnforcementTests: XCTestCase {
    static let config = try! SanctumConfig.parse(yaml: "tiers: { free: { plugins: [forgetful, overreaching] } }")

    /// Contributes a route without declaring `routes`.
    struct Overreaching: Plugin {
        static let descriptor = PluginDescriptor(id: "overreaching", version: "1", capabilities: [.validateMessages], summary: "test")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(routes: [PluginRoute("GET", "/x") { _ in PluginResponse() }])
        }
    }

    static let registry = PluginRegistry.withProbes.adding([Overreaching.self])

    /// The harness's answer for the same route, with storage scripted so only the capability check can refuse.
    private func harnessRouteError() async throws -> String? {
        let host = MockHost()
        host.onUnexpectedCall = { XCTFail($0) }
        host.allowStorage()
        let harness = try await HookHarness(Forgetful.self, configuration: NoConfiguration(), host: host)
        let route = try XCTUnwrap(harness.contributions["forgetful"]?.routes.first)
        let response = try await route.handle(PluginRequest(method: "POST", path: "/remember", site: harness.site))
        XCTAssertEqual(response.status, 500)
        let body = try JSONSerialization.jsonObject(with: response.body) as? [String: String]
        return body?["error"]
    }

    func testUndeclaredStorageGetsTheSameErrorFromTheServerAsFromTheTestKit() async throws {
        let expected = try await harnessRouteError()
        XCTAssertEqual(expected, CapabilityNotDeclared(.storage).description)
        try await withServer(config: Self.config, registry: Self.registry) { client, env in
            let answer = try await client.send(.post, "/plugins/forgetful/remember")
            XCTAssertEqual(answer.status, .internalServerError)
            XCTAssertEqual(answer.json["type"], "CapabilityNotDeclared")
            XCTAssertEqual(answer.json["error"]?.stringValue, expected, "the server refuses exactly as the harness does")
            let stored = try await env.store.pluginValue(pluginID: "forgetful", key: "last", now: Date())
            XCTAssertNil(stored, "nothing reached the database")
        }
    }

    func testAHookUsingUndeclaredStorageFailsByItsPolicyInBoth() async throws {
        let host = MockHost()
        host.allowStorage()
        let harness = try await HookHarness(Forgetful.self, configuration: NoConfiguration(), host: host)
        guard case .reject(HookPipeline.unavailableCode, _, _, "forgetful") = await harness.prepare(visitor: "hi") else {
            return XCTFail("the harness let a fail-closed hook with undeclared storage through")
        }
        try await withServer(config: Self.config, registry: Self.registry) { client, _ in
            let answer = try await client.message("session_forgetful", "hi")
            XCTAssertEqual(answer.status, .serviceUnavailable)
            XCTAssertEqual(answer.json["error_code"], .string(HookPipeline.unavailableCode))
        }
    }

    func testUndeclaredContributionsAreRefusedByBoth() async throws {
        do {
            _ = try await HookHarness(Overreaching.self, configuration: NoConfiguration())
            XCTFail("the harness activated it")
        } catch let refusal as ActivationRefusal {
            XCTAssertEqual(refusal.reason, "contributes undeclared capabilities [\"routes\"]")
        }
        try await withServer(config: Self.config, registry: Self.registry) { client, env in
            XCTAssertEqual(env.plugins.activatedIDs, ["forgetful"], "the server leaves it out and starts")
            let route = try await client.get("/plugins/overreaching/x")
            XCTAssertEqual(route.status, .notFound)
        }
    }
}
