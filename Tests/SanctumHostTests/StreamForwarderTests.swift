import Foundation
import Synchronization
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Live events of a stream reach the client in order, after the replay, without an idle task;
/// a client that falls behind is closed as too slow.
final class StreamForwarderTests: XCTestCase {
    private func event(_ id: Int64) -> ChatEvent {
        ChatEvent(id: id, seq: id, siteID: "default", sessionID: "session_f", type: "message", data: [:], at: Date())
    }

    func testEventsWaitForTheReplayThenArriveInOrderWithoutRepeats() async throws {
        let sent = Mutex<[Int64]>([])
        let forwarder = StreamForwarder(write: { event in sent.withLock { $0.append(event.id) } }, tooSlow: {})
        for id in Int64(1)...5 { XCTAssertTrue(forwarder.offer(event(id))) }
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertEqual(sent.withLock { $0 }, [], "nothing before the replay is done")
        forwarder.start(after: 3)
        for id in Int64(6)...200 { XCTAssertTrue(forwarder.offer(event(id))) }
        try await waitUntil { sent.withLock { $0.count } == 197 }
        XCTAssertEqual(sent.withLock { $0 }, Array(Int64(4)...200), "the replay's events are skipped; order kept")
    }

    func testAClientThatFallsBehindIsClosedAsTooSlow() async throws {
        let closed = Mutex(false)
        let forwarder = StreamForwarder(limit: 10, write: { _ in try await Task.sleep(for: .seconds(60)) },
                                        tooSlow: { closed.withLock { $0 = true } })
        forwarder.start(after: 0)
        var refused = false
        for id in 1...20 where !forwarder.offer(event(Int64(id))) { refused = true }
        XCTAssertTrue(refused, "the bus is told to cut the subscription off")
        try await waitUntil { closed.withLock { $0 } }
        forwarder.stop()
    }

    func testTheBusHandsEventsToADeliverClosure() async throws {
        let bus = EventBus()
        let seen = Mutex<[Int64]>([])
        let subscription = bus.subscribe(.session("session_f", site: "default")) { event in
            seen.withLock { $0.append(event.id) }
            return true
        }
        bus.publish([event(1), event(2)])
        XCTAssertEqual(seen.withLock { $0 }, [1, 2])
        bus.unsubscribe(subscription)
        bus.publish([event(3)])
        XCTAssertEqual(seen.withLock { $0 }, [1, 2], "nothing after unsubscribing")
        XCTAssertEqual(bus.subscriberCount, 0)
    }

    private func waitUntil(_ condition: @escaping () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertTrue(condition())
    }
}
