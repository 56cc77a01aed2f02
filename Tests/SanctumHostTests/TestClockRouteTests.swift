import Foundation
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// `POST /_test/clock` exists only when the server was started with `SANCTUM_TEST_CLOCK=1`.
final class TestClockRouteTests: XCTestCase {
    func testTheRouteDoesNotExistOnANormalServer() async throws {
        try await withServer { client, env in
            XCTAssertNil(env.testClock)
            let answer = try await client.post("/_test/clock", json: #"{"advance":60}"#, key: TestKeys.admin)
            XCTAssertEqual(answer.status, .notFound)
        }
    }

    func testTheTestClockMovesEveryRuleForwardAndNeedsTheAdminKey() async throws {
        let environment = ["SANCTUM_API_KEY": TestKeys.api, "SANCTUM_ADMIN_KEY": TestKeys.admin, "SANCTUM_TEST_CLOCK": "1"]
        try await withServer(environment: environment) { client, env in
            let before = env.clock()
            let refused = try await client.post("/_test/clock", json: #"{"advance":60}"#, key: TestKeys.api)
            XCTAssertEqual(refused.status, .unauthorized)
            let bad = try await client.post("/_test/clock", json: #"{"advance":-1}"#, key: TestKeys.admin)
            XCTAssertEqual(bad.status, .badRequest)
            let moved = try await client.post("/_test/clock", json: #"{"advance":3600}"#, key: TestKeys.admin)
            XCTAssertEqual(moved.status, .ok)
            XCTAssertGreaterThanOrEqual(env.clock().timeIntervalSince(before), 3600)
        }
    }
}
