import Foundation
import StoreConformance
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// The event bus and the writer's after-commit actions.
final class RealtimeUnitTests: XCTestCase {
    private func event(_ id: Int64, session: String = "session_a", site: String = "s") -> ChatEvent {
        ChatEvent(id: id, seq: id, siteID: site, sessionID: session, type: "message", data: .object([:]), at: Date())
    }

    func testScopesReceiveOnlyTheirEventsInOrder() async {
        let bus = EventBus()
        let session = bus.subscribe(.session("session_a", site: "s"))
        let site = bus.subscribe(.site("s"))
        let other = bus.subscribe(.site("t"))
        let all = bus.subscribe(.all)
        bus.publish([event(1), event(2, session: "session_b"), event(3, session: "session_c", site: "t"), event(4, session: "session_a", site: "t")])
        for subscription in [session, site, other, all] { bus.unsubscribe(subscription) }
        var ids: [[Int64]] = []
        for subscription in [session, site, other, all] {
            var received: [Int64] = []
            for await e in subscription.events { received.append(e.id) }
            ids.append(received)
        }
        XCTAssertEqual(ids, [[1], [1, 2], [3, 4], [1, 2, 3, 4]], "a session scope is its site's: session_a of site t is not session_a of s")
        XCTAssertEqual(bus.subscriberCount, 0)
    }

    func testASlowSubscriberIsCutOffNotBuffered() async {
        let bus = EventBus()
        let slow = bus.subscribe(.all)
        bus.publish((1...Int64(EventBus.bufferLimit + 10)).map { event($0) })
        XCTAssertTrue(slow.overflowed)
        XCTAssertEqual(bus.subscriberCount, 0)
        var count = 0
        for await _ in slow.events { count += 1 }
        XCTAssertEqual(count, EventBus.bufferLimit, "what was buffered is still readable; the rest is replayed from the store")
    }

    func testWaitWakesOnAMatchingEventAndTimesOutAtItsDeadline() async throws {
        let timer = ManualTimer()
        let bus = EventBus(sleep: timer.sleep)
        let first = event(1)
        let woke = try await bus.wait(in: .site("s"), timeout: .seconds(5), matching: { $0.type == "message" }, afterSubscribing: {
            bus.publish([first])
            return false
        })
        XCTAssertTrue(woke, "an event published after subscribing wakes the waiter")
        async let timedOut = bus.wait(in: .site("s"), timeout: .seconds(30), afterSubscribing: { false })
        await timer.waitForSleepers()
        timer.fire()
        let arrived = try await timedOut
        XCTAssertFalse(arrived, "nothing arrived before the deadline")
        XCTAssertEqual(bus.subscriberCount, 0, "the waiter unsubscribed")
        let checked = try await bus.wait(in: .site("s"), timeout: .seconds(5), afterSubscribing: { true })
        XCTAssertTrue(checked, "a hit in the store returns at once")
    }

    func testTheRealClockKeepsTheDeadlineToo() async throws {
        let timedOut = try await EventBus().wait(in: .site("s"), timeout: .milliseconds(1), afterSubscribing: { false })
        XCTAssertFalse(timedOut)
    }

    func testAfterCommitActionsRunOnlyForCommittedWritesInOrder() async throws {
        let database = try Database(path: temporaryDatabase())
        defer { database.close() }
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var entries: [Int] = []
            func add(_ i: Int) { lock.lock(); entries.append(i); lock.unlock() }
        }
        let log = Log()
        try await database.write { c in try c.execute("CREATE TABLE t (v INTEGER UNIQUE)") }
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask {
                    _ = try? await database.write { c in
                        try c.run("INSERT INTO t (v) VALUES (?)", [.int(Int64(i % 25))])
                        c.afterCommit { log.add(i) }
                    }
                }
            }
        }
        let committed = try database.read { try $0.query("SELECT v FROM t ORDER BY rowid") { Int($0.int(0)) } }
        XCTAssertEqual(log.entries.count, 25, "rolled-back writes run no action")
        XCTAssertEqual(log.entries.map { $0 % 25 }, committed, "actions run in commit order")
    }

    func testStreamRequestDetection() {
        XCTAssertTrue(HostEnvironment.isStreamTarget("/api/v1/stream?session_id=x"))
        XCTAssertTrue(HostEnvironment.isStreamTarget("/api/v1/?action=stream"))
        XCTAssertFalse(HostEnvironment.isStreamTarget("/api/v1/?action=inbox"))
        XCTAssertFalse(HostEnvironment.isStreamTarget("/widget/"))
    }
}
