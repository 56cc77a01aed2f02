import NIOCore
import XCTest
@testable import SanctumHost

/// The rules of `ConnectionDeadlines`, with explicit instants instead of waiting.
final class ConnectionDeadlinesTests: XCTestCase {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    private func at(_ seconds: Double) -> NIODeadline { start + .nanoseconds(Int64(seconds * 1e9)) }

    private var limits: ConnectionLimits {
        var limits = ConnectionLimits()
        limits.idleTimeout = .seconds(60)
        limits.headerTimeout = .seconds(10)
        limits.minBodyRate = 100
        limits.bodyGrace = .seconds(5)
        return limits
    }

    func testASilentConnectionExpiresAfterTheIdleTimeoutWithoutAnAnswer() {
        let deadlines = ConnectionDeadlines(limits: limits, openedAt: start)
        XCTAssertNil(deadlines.expired(at: at(59.9)))
        XCTAssertEqual(deadlines.expired(at: at(60)), .idle)
    }

    func testAHeadMustBeCompleteWithinTheHeaderTimeoutFromItsFirstByte() {
        var deadlines = ConnectionDeadlines(limits: limits, openedAt: start)
        deadlines.bytesArrived(at: at(30))
        deadlines.bytesArrived(at: at(39))   // more bytes of the same head do not buy time
        XCTAssertNil(deadlines.expired(at: at(39.9)))
        XCTAssertEqual(deadlines.expired(at: at(40)), .header, "a slowloris head is cut although bytes keep coming")
        XCTAssertTrue(deadlines.mayAnswer, "nothing else is being answered: a 408 may be written")
    }

    func testABodyMayTakeTheGracePlusTimeEarnedByItsBytes() {
        var deadlines = ConnectionDeadlines(limits: limits, openedAt: start)
        deadlines.bytesArrived(at: at(0))
        deadlines.headArrived(at: at(0))
        XCTAssertEqual(deadlines.expired(at: at(5)), .body, "nothing sent: cut after the grace")
        deadlines.bodyArrived(1_000)   // 10 s earned at 100 B/s
        XCTAssertNil(deadlines.expired(at: at(14.9)))
        XCTAssertEqual(deadlines.expired(at: at(15)), .body, "a stalled body runs out of earned time")
        XCTAssertTrue(deadlines.mayAnswer)
    }

    func testASlowButSteadyUploadNeverExpires() {
        var deadlines = ConnectionDeadlines(limits: limits, openedAt: start)
        deadlines.headArrived(at: at(0))
        for second in 1...600 {   // 150 B/s for ten minutes, above the 100 B/s minimum
            deadlines.bodyArrived(150)
            XCTAssertNil(deadlines.expired(at: at(Double(second))), "second \(second)")
        }
        deadlines.requestEnded(at: at(600))
        XCTAssertNil(deadlines.expired(at: at(3_600)), "no deadline runs while the server owes the answer")
    }

    func testNoDeadlineRunsWhileTheServerOwesAnAnswerAndIdleRestartsAfterIt() {
        var deadlines = ConnectionDeadlines(limits: limits, openedAt: start)
        deadlines.headArrived(at: at(0))
        deadlines.requestEnded(at: at(0))
        XCTAssertNil(deadlines.next, "a long-poll is the server's time")
        deadlines.responseBegan()
        deadlines.responseEnded(at: at(25))
        XCTAssertNil(deadlines.expired(at: at(84.9)))
        XCTAssertEqual(deadlines.expired(at: at(85)), .idle, "idle counts from the end of the answer")
    }

    func testATimeoutIsNotAnsweredOverAnAnswerAlreadyUnderWay() {
        var deadlines = ConnectionDeadlines(limits: limits, openedAt: start)
        deadlines.headArrived(at: at(0))
        deadlines.responseBegan()   // the route answered without reading the body (401, say)
        deadlines.responseEnded(at: at(0))
        XCTAssertEqual(deadlines.expired(at: at(5)), .body, "the body still has to arrive (it is drained)")
        XCTAssertFalse(deadlines.mayAnswer, "the request was answered already: close without a second answer")
    }

    func testAPipelinedHeadWaitsForTheAnswerBeforeItsHeaderTimeoutRuns() {
        var deadlines = ConnectionDeadlines(limits: limits, openedAt: start)
        deadlines.headArrived(at: at(0))
        deadlines.requestEnded(at: at(0))
        deadlines.bytesArrived(at: at(1))   // the next request starts before the first is answered
        XCTAssertNil(deadlines.expired(at: at(30)))
        deadlines.responseBegan()
        deadlines.responseEnded(at: at(30))
        XCTAssertNil(deadlines.expired(at: at(39.9)))
        XCTAssertEqual(deadlines.expired(at: at(40)), .header)
    }

    func testAnUpgradedConnectionHasNoDeadline() {
        var deadlines = ConnectionDeadlines(limits: limits, openedAt: start)
        deadlines.bytesArrived(at: at(0))
        deadlines.upgraded()
        XCTAssertNil(deadlines.next)
    }
}
