import Foundation
import PluginAPI
import PluginTesting
import XCTest

/// `HookHarness.call` applies the server's route rules: tiers, access, authorizers, errors.
final class HarnessRouteTests: XCTestCase {
    /// Counts hits on a public route; agents read the count, the operator resets it.
    struct Hits: Plugin {
        static let descriptor = PluginDescriptor(id: "hits", version: "1", minimumAPIVersion: PluginAPIVersion(2, 1),
                                                 capabilities: [.routes, .storage], summary: "test: counts hits")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(routes: [
                PluginRoute("POST", "/hit", access: .public) { request in
                    try .json(["hits": try await host.storage.increment("hits:\(request.site.id)")])
                },
                PluginRoute("GET", "/count") { request in
                    let hits = try await host.storage.counter("hits:\(request.site.id)")
                    return try .json(["hits": String(hits), "caller": request.caller.rawValue])
                },
                PluginRoute("DELETE", "/count", access: .admin) { request in
                    try await host.storage.remove("hits:\(request.site.id)")
                    return PluginResponse(status: 204)
                },
                PluginRoute("GET", "/broken", access: .public) { _ in throw CocoaError(.fileNoSuchFile) },
            ])
        }
    }

    /// Denies requests from `https://evil.example`.
    struct Gate: Plugin {
        static let descriptor = PluginDescriptor(id: "gate", version: "1", capabilities: [.authorizeRequests], summary: "test: origin gate")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(authorizers: [RequestAuthorizer(name: "origin") { request in
                request.origin == "https://evil.example" ? .deny(status: 403, code: "gate.denied", message: "Go away") : .abstain
            }])
        }
    }

    let shop = SiteInfo(id: "shop", tier: "premium")
    let blog = SiteInfo(id: "blog", tier: "free")

    func harness() async throws -> HookHarness {
        let host = MockHost()
        host.allowStorage()
        return try await HookHarness(plugins: [(Gate.self, NoConfiguration()), (Hits.self, NoConfiguration())], host: host, site: shop,
                                     tiers: ["premium": ["gate", "hits"], "free": ["gate"]])
    }

    func testRoutesAnswerOnlyTheCallersTheirAccessAdmits() async throws {
        let harness = try await harness()
        let hit = await harness.call("POST", "/plugins/hits/hit")
        XCTAssertEqual(hit.status, 200)
        XCTAssertEqual(String(decoding: hit.body, as: UTF8.self), #"{"hits":1}"#)
        let anonymous = await harness.call("GET", "/plugins/hits/count")
        XCTAssertEqual(anonymous.status, 401, "a route without declared access is for agents")
        XCTAssertEqual(String(decoding: anonymous.body, as: UTF8.self), #"{"error":"Authentication required","success":false}"#)
        let agent = await harness.call("GET", "/plugins/hits/count", as: .agent)
        XCTAssertEqual(String(decoding: agent.body, as: UTF8.self), #"{"caller":"agent","hits":"1"}"#)
        let agentReset = await harness.call("DELETE", "/plugins/hits/count", as: .agent)
        XCTAssertEqual(agentReset.status, 403)
        let reset = await harness.call("DELETE", "/plugins/hits/count", as: .admin)
        XCTAssertEqual(reset.status, 204)
        let wrongMethod = await harness.call("PUT", "/plugins/hits/count", as: .admin)
        XCTAssertEqual(wrongMethod.status, 405)
        let unknownPath = await harness.call("GET", "/plugins/hits/nope", as: .admin)
        XCTAssertEqual(unknownPath.status, 404)
    }

    func testASiteWhoseTierLacksThePluginGets404() async throws {
        let harness = try await harness()
        let answer = await harness.call("GET", "/plugins/hits/count", as: .admin, site: blog)
        XCTAssertEqual(answer.status, 404)
        XCTAssertEqual(String(decoding: answer.body, as: UTF8.self), #"{"error":"Endpoint not found","success":false}"#)
    }

    func testAuthorizersRunBeforePublicRoutes() async throws {
        let harness = try await harness()
        let denied = await harness.call("POST", "/plugins/hits/hit", origin: "https://evil.example")
        XCTAssertEqual(denied.status, 403)
        XCTAssertEqual(String(decoding: denied.body, as: UTF8.self), #"{"error":"Go away","error_code":"gate.denied","success":false}"#)
        let count = try await harness.host.storage.counter("hits:shop")
        XCTAssertEqual(count, 0, "the handler did not run")
        let agent = await harness.call("GET", "/plugins/hits/count", as: .agent, origin: "https://evil.example")
        XCTAssertEqual(agent.status, 200, "keyed routes skip authorizers, as on the server")
    }

    func testARouteThatThrowsAnswers500AndLogsTheError() async throws {
        let harness = try await harness()
        let answer = await harness.call("GET", "/plugins/hits/broken")
        XCTAssertEqual(answer.status, 500)
        XCTAssertEqual(String(decoding: answer.body, as: UTF8.self), #"{"error":"Internal server error","success":false}"#)
        XCTAssertEqual(harness.host.logs.last?.level, .error)
        XCTAssertTrue(harness.host.logs.last?.message.hasPrefix("plugin hits route GET /broken failed") == true)
    }
}
