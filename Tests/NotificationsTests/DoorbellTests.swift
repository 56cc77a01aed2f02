import XCTest
@testable import Notifications

/// The worker's wake-up: a ring kept for the next wait, and no stray rings from the timers of
/// waits that ended early (each such ring made the next wait return at once: an idle worker spun).
final class DoorbellTests: XCTestCase {
    func testARingBeforeTheWaitIsKept() async {
        let bell = Doorbell()
        bell.ring()
        XCTAssertTrue(bell.isRung)
        await bell.wait(upTo: .seconds(600))  // returns at once: it was rung
        XCTAssertFalse(bell.isRung)
    }

    func testAWaitEndedByARingLeavesNoRingBehind() async throws {
        let bell = Doorbell()
        for _ in 0..<5 {
            let ringer = Task {
                try await Task.sleep(for: .milliseconds(5))
                bell.ring()
            }
            await bell.wait(upTo: .seconds(600))
            _ = await ringer.result
        }
        try await Task.sleep(for: .milliseconds(50))  // the cancelled timers have run by now
        XCTAssertFalse(bell.isRung, "a cancelled timer rang")
    }
}
