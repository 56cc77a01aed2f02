import Foundation
import HTTPTypes
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Blocking a visitor through the admin API: their messages are refused, neutrally.
final class VisitorBlockRouteTests: XCTestCase {
    func testABlockedConversationCannotWriteUntilTheBlockIsLifted() async throws {
        try await withServer { client, _ in
            let first = try await client.message("session_blockme", "hello")
            XCTAssertEqual(first.status, .ok)
            let uid = try XCTUnwrap(first.data["uid"]?.stringValue)
            assertJSONError(try await client.post("/admin/api/blocks", json: #"{"uid":"\#(uid)"}"#), .unauthorized, "needs the admin key")
            let made = try await client.post("/admin/api/blocks", json: #"{"uid":"\#(uid)","note":"spam"}"#, key: TestKeys.admin)
            XCTAssertEqual(made.status, .ok, made.text)
            XCTAssertEqual(made.data["block"]?["id"]?.stringValue, "session:session_blockme")
            let refused = try await client.message("session_blockme", "again")
            assertJSONError(refused, .badRequest, "blocked")
            XCTAssertEqual(refused.error, "Message could not be sent")
            XCTAssertEqual(refused.json["error_code"]?.stringValue, "message.refused")
            let other = try await client.message("session_other", "fine")
            XCTAssertEqual(other.status, .ok, "others still write")
            let listed = try await client.get("/admin/api/blocks", key: TestKeys.admin)
            XCTAssertEqual(listed.data["blocks"]?.array.count, 1)
            let lifted = try await client.send(.delete, "/admin/api/blocks?id=session:session_blockme", headers: [.authorization: "Bearer " + TestKeys.admin])
            XCTAssertEqual(lifted.data["removed"], true)
            let back = try await client.message("session_blockme", "back")
            XCTAssertEqual(back.status, .ok)
        }
    }

    func testAnAddressRangeBlocksEveryConversationFromIt() async throws {
        try await withServer { client, _ in
            let made = try await client.post("/admin/api/blocks", json: #"{"kind":"ip","value":"127.0.0.0/8"}"#, key: TestKeys.admin)
            XCTAssertEqual(made.data["block"]?["value"]?.stringValue, "127.0.0.0/8")
            assertJSONError(try await client.message("session_fromloopback", "hi"), .badRequest, "from a blocked range")
            assertJSONError(try await client.post("/admin/api/blocks", json: #"{"kind":"ip","value":"999.1.1.1"}"#, key: TestKeys.admin),
                            .badRequest, "an invalid range")
        }
    }
}
