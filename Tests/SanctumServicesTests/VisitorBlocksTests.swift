import Foundation
import Synchronization
import XCTest
@testable import SanctumServices

/// Address ranges and the blocks operators set.
final class VisitorBlocksTests: XCTestCase {
    func testAddressPrefixesMatchTheirRange() throws {
        let v4 = try XCTUnwrap(AddressPrefix("203.0.113.77/24"))
        XCTAssertEqual(v4.description, "203.0.113.0/24", "host bits are dropped")
        XCTAssertTrue(v4.contains("203.0.113.1"))
        XCTAssertTrue(v4.contains("::ffff:203.0.113.9"), "an IPv4-mapped client matches")
        XCTAssertFalse(v4.contains("203.0.114.1"))
        let one = try XCTUnwrap(AddressPrefix("198.51.100.7"))
        XCTAssertEqual(one.description, "198.51.100.7/32")
        XCTAssertTrue(one.contains("198.51.100.7"))
        XCTAssertFalse(one.contains("198.51.100.8"))
        let v6 = try XCTUnwrap(AddressPrefix("2001:db8::/33"))
        XCTAssertTrue(v6.contains("2001:db8:7fff::1"))
        XCTAssertFalse(v6.contains("2001:db8:8000::1"))
        XCTAssertFalse(v6.contains("203.0.113.1"))
        for bad in ["", "nonsense", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "::/129", "1.2.3.4/8/9"] {
            XCTAssertNil(AddressPrefix(bad), bad)
        }
    }

    func testBlocksApplyAtOnceAndCanBeLifted() async throws {
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let blocks = VisitorBlocks(store: MemoryChatStore(), clock: { now.withLock { $0 } })
        let freeBefore = try await blocks.isBlocked(sessionID: "session_a", ip: "10.1.2.3")
        XCTAssertFalse(freeBefore)
        let session = try await blocks.add(.session, "session_a", note: "abusive")
        let range = try await blocks.add(.ip, "10.1.0.0/16")
        let blockedBySession = try await blocks.isBlocked(sessionID: "session_a", ip: nil)
        let blockedByAddress = try await blocks.isBlocked(sessionID: "session_b", ip: "10.1.9.9")
        let elsewhere = try await blocks.isBlocked(sessionID: "session_b", ip: "10.2.0.1")
        XCTAssertTrue(blockedBySession)
        XCTAssertTrue(blockedByAddress)
        XCTAssertFalse(elsewhere)
        let listed = try await blocks.list()
        XCTAssertEqual(Set(listed.map(\.id)), [session.id, range.id])
        XCTAssertEqual(range.id, "ip:10.1.0.0/16")
        let removed = try await blocks.remove(id: session.id)
        XCTAssertTrue(removed)
        let lifted = try await blocks.isBlocked(sessionID: "session_a", ip: nil)
        XCTAssertFalse(lifted)
        let again = try await blocks.remove(id: session.id)
        XCTAssertFalse(again)
    }

    func testInvalidBlocksAreRefusedWithAReason() async throws {
        let blocks = VisitorBlocks(store: MemoryChatStore(), clock: { Date() })
        do { _ = try await blocks.add(.ip, "10.0.0.0/40"); XCTFail("accepted") } catch let error as ServiceError {
            XCTAssertEqual(error.message, "Invalid address range: expected an IP address or CIDR range")
        }
        do { _ = try await blocks.add(.session, "not a session"); XCTFail("accepted") } catch let error as ServiceError {
            XCTAssertEqual(error.message, "Invalid session ID")
        }
    }
}
