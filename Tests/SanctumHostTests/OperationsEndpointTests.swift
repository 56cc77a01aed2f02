import Foundation
import HTTPTypes
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// `/healthz`, `/readyz` and `/metrics` over a real server.
final class OperationsEndpointTests: XCTestCase {
    func testHealthAndReadinessAnswerJSON() async throws {
        try await withServer { client, _ in
            let health = try await client.get("/healthz")
            XCTAssertEqual(health.status, .ok)
            XCTAssertEqual(health.json["status"]?.stringValue, "ok")
            let ready = try await client.get("/readyz")
            XCTAssertEqual(ready.status, .ok)
            XCTAssertEqual(ready.json["status"]?.stringValue, "ready")
        }
    }

    func testMetricsNeedTheAdminKey() async throws {
        try await withServer { client, _ in
            assertJSONError(try await client.get("/metrics"), .unauthorized, "no key")
            assertJSONError(try await client.get("/metrics", key: TestKeys.api), .unauthorized, "the agent key")
        }
    }

    func testMetricsCountRequestsByRouteAndStatusAndShowTheServersState() async throws {
        try await withServer { client, _ in
            try await client.message("session_metrics", "hello")
            try await client.message("session_metrics", "again")
            _ = try await client.inbox()
            _ = try await client.get("/api/v1/?action=nonsense")
            _ = try await client.get("/no/such/path")
            let scrape = try await client.get("/metrics", key: TestKeys.admin)
            XCTAssertEqual(scrape.status, .ok)
            XCTAssertTrue(scrape.contentType.hasPrefix("text/plain; version=0.0.4"))
            let lines = scrape.text.split(separator: "\n").map(String.init)
            func value(_ prefix: String) -> Double? {
                lines.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            XCTAssertEqual(value(#"sanctum_http_requests_total{route="/api/v1/messages",method="POST",status="200"}"#), 2, scrape.text)
            XCTAssertEqual(value(#"sanctum_http_requests_total{route="/api/v1/inbox",method="GET",status="200"}"#), 1)
            XCTAssertEqual(value(#"sanctum_http_requests_total{route="/api/v1/",method="GET",status="400"}"#), 1, "an unknown action is not a label")
            XCTAssertEqual(value(#"sanctum_http_requests_total{route="unmatched",method="GET",status="404"}"#), 1)
            XCTAssertEqual(value(#"sanctum_http_request_duration_seconds_count{route="/api/v1/messages",method="POST"}"#), 2)
            XCTAssertNotNil(value(#"sanctum_websocket_connections{side="visitor"}"#))
            XCTAssertEqual(value("sanctum_long_polls_waiting"), 0)
            XCTAssertNotNil(value("sanctum_write_queue_depth"))
            XCTAssertNotNil(value("sanctum_write_batch_size_count"))
            XCTAssertEqual(value("sanctum_rate_limit_refusals_total"), 0)
            XCTAssertNotNil(value(#"sanctum_connection_refusals_total{reason="idle_timeouts"}"#))
        }
    }
}
