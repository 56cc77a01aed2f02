import Foundation
import HTTPTypes
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Plugin routes answer only the callers their declared access admits, over real HTTP.
final class RouteAccessTests: XCTestCase {
    static let agentKey = "agent_key_of_the_shop_0000"
    static let environment = ["SANCTUM_API_KEY": TestKeys.api, "SANCTUM_ADMIN_KEY": TestKeys.admin,
                              "SANCTUM_SITE_SHOP_AGENT_KEY": agentKey]
    static let config = try! SanctumConfig.parse(yaml: """
        tiers:
          free: { plugins: [domain-allowlist] }
          premium: { plugins: [domain-allowlist, access-probe] }
        sites:
          - { id: shop, tier: premium, widget_key: pk_shop, allowed_origins: ["https://shop.example"] }
        """)

    func testEachRouteAnswersOnlyTheCallersItsAccessAdmits() async throws {
        try await withServer(config: Self.config, environment: Self.environment, registry: .withProbes) { client, _ in
            let visitor = try await client.get("/plugins/access-probe/public?widget_key=pk_shop")
            XCTAssertEqual(visitor.json, ["caller": "visitor", "site": "shop"])
            let agentOnPublic = try await client.get("/plugins/access-probe/public", key: Self.agentKey)
            XCTAssertEqual(agentOnPublic.json, ["caller": "agent", "site": "shop"], "public routes admit agents too")

            let anonymous = try await client.get("/plugins/access-probe/agents?widget_key=pk_shop")
            assertJSONError(anonymous, .unauthorized, "a visitor on a route without declared access (agent by default)")
            XCTAssertEqual(anonymous.error, "Authentication required")
            let agent = try await client.get("/plugins/access-probe/agents", key: Self.agentKey)
            XCTAssertEqual(agent.json, ["caller": "agent", "site": "shop"])
            let operatorOnAgents = try await client.get("/plugins/access-probe/agents?site_id=shop", key: TestKeys.admin)
            XCTAssertEqual(operatorOnAgents.json, ["caller": "admin", "site": "shop"], "the admin names the site with site_id")

            let agentOnAdmin = try await client.get("/plugins/access-probe/admin", key: Self.agentKey)
            assertJSONError(agentOnAdmin, .forbidden, "an agent on an admin route")
            let visitorOnAdmin = try await client.get("/plugins/access-probe/admin?widget_key=pk_shop")
            assertJSONError(visitorOnAdmin, .unauthorized, "a visitor on an admin route")
            let admin = try await client.get("/plugins/access-probe/admin?widget_key=pk_shop", key: TestKeys.admin)
            XCTAssertEqual(admin.json, ["caller": "admin", "site": "shop"], "or with the site's widget key")

            let unknownSite = try await client.get("/plugins/access-probe/admin?site_id=nope", key: TestKeys.admin)
            assertJSONError(unknownSite, .notFound, "an unknown site_id")
            let wrongKey = try await client.get("/plugins/access-probe/public?widget_key=pk_shop", key: "not_a_key_0123456789")
            assertJSONError(wrongKey, .unauthorized, "a wrong key is refused, not treated as a visitor")
            let defaultSite = try await client.get("/plugins/access-probe/agents", key: TestKeys.api)
            assertJSONError(defaultSite, .notFound, "the legacy API key is the default site's agent, whose tier lacks the plugin")
        }
    }

    func testAuthorizersRunBeforePublicRoutesNotBeforeKeyedOnes() async throws {
        try await withServer(config: Self.config, environment: Self.environment, registry: .withProbes) { client, _ in
            let evil: HTTPFields = [.origin: "https://evil.example"]
            let denied = try await client.get("/plugins/access-probe/public?widget_key=pk_shop", headers: evil)
            assertJSONError(denied, .forbidden, "the site's allowlist refuses a foreign origin")
            XCTAssertEqual(denied.json["error_code"], "origin.not_allowed")
            let allowed = try await client.get("/plugins/access-probe/public?widget_key=pk_shop", headers: [.origin: "https://shop.example"])
            XCTAssertEqual(allowed.status, .ok)
            let agent = try await client.get("/plugins/access-probe/agents", key: Self.agentKey, headers: evil)
            XCTAssertEqual(agent.status, .ok, "agent routes are authenticated by the key, as the agent API")
        }
    }

    func testAThrowingRouteAnswersAJSON500AndKeepsItsErrorToTheLog() async throws {
        try await withServer(config: Self.config, environment: Self.environment, registry: .withProbes) { client, _ in
            let answer = try await client.get("/plugins/access-probe/boom?widget_key=pk_shop")
            assertJSONError(answer, .internalServerError, "a route that throws")
            XCTAssertEqual(answer.json, ["success": false, "error": "Internal server error"])
        }
    }
}
