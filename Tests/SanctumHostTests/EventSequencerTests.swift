import Foundation
import Logging
import SanctumServices
import Synchronization
import XCTest
@testable import SanctumHost

/// The sequencer's scheduling, without a database: a run moves a counter of queued events into
/// a counter of logged ones (what `sanctum_event_queue` and `sanctum_events` hold).
final class EventSequencerTests: XCTestCase {
    /// Queued and logged events, runs made, runs in progress at once, and runs made to fail.
    final class Fixture: Sendable {
        struct Counts { var queued = 0, logged = 0, runs = 0, running = 0, mostAtOnce = 0, failing = 0 }
        let counts = Mutex(Counts())

        func queue(_ n: Int) { counts.withLock { $0.queued += n } }

        func sequencer() -> EventSequencer {
            EventSequencer(run: {
                try self.counts.withLock { c in
                    c.runs += 1
                    c.running += 1
                    c.mostAtOnce = max(c.mostAtOnce, c.running)
                    if c.failing > 0 { c.failing -= 1; c.running -= 1; throw DatabaseUnavailable() }
                }
                try await Task.sleep(for: .milliseconds(5))
                self.counts.withLock { c in c.logged += c.queued; c.queued = 0; c.running -= 1 }
            }, queued: { self.counts.withLock { $0.queued > 0 } }, logger: Logger(label: "sequencer-test"))
        }
    }

    func testAWriteReturnsOnceItsEventsAreLoggedAndConcurrentWritesShareRuns() async throws {
        let fixture = Fixture()
        let sequencer = fixture.sequencer()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    fixture.queue(1)  // the write's commit
                    await sequencer.sequence()
                    XCTAssertEqual(fixture.counts.withLock { $0.queued }, 0, "a run after the commit moved its events")
                }
            }
        }
        let counts = fixture.counts.withLock { $0 }
        XCTAssertEqual(counts.logged, 50)
        XCTAssertEqual(counts.mostAtOnce, 1, "one run at a time")
        XCTAssertLessThan(counts.runs, 50, "writes that commit during a run share the next one")
        sequencer.stop()
    }

    func testAFailedRunReleasesItsWritersAndIsRetried() async throws {
        let fixture = Fixture()
        let sequencer = fixture.sequencer()
        fixture.counts.withLock { $0.failing = 2 }
        fixture.queue(3)
        await sequencer.sequence()
        XCTAssertEqual(fixture.counts.withLock { $0.logged }, 0, "the writer returned after the failed run")
        for _ in 0..<300 where fixture.counts.withLock({ $0.logged }) < 3 { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(fixture.counts.withLock { $0.logged }, 3, "retried until it succeeded")
        sequencer.stop()
    }

    func testTheSweepMovesWhatAnotherInstanceLeftInTheQueue() async throws {
        let fixture = Fixture()
        let sequencer = fixture.sequencer()
        fixture.queue(2)  // committed by an instance that stopped before its run
        for _ in 0..<300 where fixture.counts.withLock({ $0.logged }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(fixture.counts.withLock { $0.logged }, 2)
        sequencer.stop()
    }

    func testARunThatDoesNotEndReleasesItsWritersAfterItsLimitAndTheNextRunGoesAhead() async throws {
        let runs = Mutex(0)
        let sequencer = EventSequencer(run: {
            let first = runs.withLock { n in n += 1; return n == 1 }
            if first { try await Task.sleep(for: .seconds(3600)) }  // a statement never answered
        }, queued: { false }, runLimit: .milliseconds(200), logger: Logger(label: "sequencer-test"))
        await sequencer.sequence()  // returns at the run's limit, not in an hour
        await sequencer.sequence()
        XCTAssertGreaterThanOrEqual(runs.withLock { $0 }, 2, "the next run was not held up by the hung one")
        sequencer.stop()
    }

    func testAStoppedSequencerReleasesWritersAtOnce() async throws {
        let fixture = Fixture()
        let sequencer = fixture.sequencer()
        sequencer.stop()
        fixture.queue(1)
        await sequencer.sequence()
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertEqual(fixture.counts.withLock { $0.runs }, 0)
    }
}
