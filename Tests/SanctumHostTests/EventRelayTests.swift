import Foundation
import Logging
import SanctumServices
import Synchronization
import XCTest
@testable import SanctumHost

/// The relay between the shared event log and one instance's bus, without a database: a log
/// in memory stands for `sanctum_events`, other instances append to it directly.
final class EventRelayTests: XCTestCase {
    /// The log, the published ids and the reads made; a number of reads may be made to fail.
    final class Fixture: Sendable {
        private let state = Mutex<(log: [ChatEvent], published: [Int64], reads: Int, failing: Int)>(([], [], 0, 0))
        var published: [Int64] { state.withLock { $0.published } }
        var reads: Int { state.withLock { $0.reads } }

        func append(_ count: Int) -> [ChatEvent] {
            state.withLock { s in
                let added = (0..<count).map { i in
                    ChatEvent(id: Int64(s.log.count + i + 1), seq: 1, siteID: defaultSiteID, sessionID: "session_r", type: "typing", data: [:], at: Date())
                }
                s.log += added
                return added
            }
        }

        func failNextReads(_ count: Int) { state.withLock { $0.failing = count } }

        func relay() -> EventRelay {
            EventRelay(after: 0, sink: { events in self.state.withLock { $0.published += events.map(\.id) } }, read: { cursor, limit in
                try self.state.withLock { s in
                    s.reads += 1
                    if s.failing > 0 { s.failing -= 1; throw DatabaseUnavailable() }
                    return Array(s.log.filter { $0.id > cursor }.prefix(limit))
                }
            }, logger: Logger(label: "relay-test"))
        }

        func waitFor(_ count: Int) async throws {
            for _ in 0..<500 where published.count < count { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    func testCommitsAreReadAndPublishedOnceEachInOrderWhoeverMadeThem() async throws {
        let fixture = Fixture()
        let relay = fixture.relay()
        _ = fixture.append(2)  // this instance's commit
        relay.catchUp()
        _ = fixture.append(3)  // another instance's: ids 3…5
        _ = fixture.append(1)  // this instance's again
        relay.catchUp()
        relay.committed(upTo: 5)
        try await fixture.waitFor(6)
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertEqual(fixture.published, [1, 2, 3, 4, 5, 6])
        let reads = fixture.reads
        relay.committed(upTo: 6)
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertEqual(fixture.reads, reads, "a notification of what was published already reads nothing")
    }

    func testAFailedReadIsRetriedUntilItSucceeds() async throws {
        let fixture = Fixture()
        let relay = fixture.relay()
        _ = fixture.append(2)
        fixture.failNextReads(2)
        relay.committed(upTo: 2)
        try await fixture.waitFor(2)
        XCTAssertEqual(fixture.published, [1, 2])
        XCTAssertEqual(fixture.reads, 3)
        relay.stop()
    }
}
