import Logging
import StoreConformance
import XCTest
@testable import SanctumHost

/// Requests the HTTP parser rejects: answered, counted, and logged once per interval instead of
/// once each (issue 9: 4 MB of log in 5 s from 8 clients).
final class ConnectionLoggingTests: XCTestCase {
    func testParserRejectionsAreAnsweredCountedAndLoggedOncePerInterval() async throws {
        let log = LogCapture()
        let clock = TestClock()
        try await withServer(clock: clock.read, logger: log.logger) { client, env in
            let port = try XCTUnwrap(client.raw.port)
            for _ in 0..<30 {
                let answer = try await RawConnection.exchange(port: port, "FOO / HTTP/1.1\r\nHost: x\r\n\r\n")
                XCTAssertTrue(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), answer)
                XCTAssertTrue(answer.hasSuffix(#"{"error":"Bad request","success":false}"# + "\n"), answer)
            }
            XCTAssertEqual(env.connectionCounters.count(.requestsRejected), 30)
            XCTAssertEqual(log.lines(containing: "Rejected a request").count, 1, "one line for the whole burst")

            clock.advance(ThrottledLog.interval)
            _ = try await RawConnection.exchange(port: port, "BREW / HTTP/1.1\r\n\r\n")
            let lines = log.lines(containing: "Rejected a request")
            XCTAssertEqual(lines.count, 2)
            XCTAssertTrue(lines.last?.contains("29 similar suppressed") == true, lines.last ?? "")
            XCTAssertEqual(env.connectionCounters.count(.requestsRejected), 31)
        }
    }

    func testHummingbirdErrorLinesAreDroppedAfterTheGuardClosedTheConnectionAndThrottledOtherwise() {
        let log = LogCapture()
        let clock = TestClock()
        let throttle = ThrottledLog(logger: log.logger, clock: clock.read)
        let closedByGuard = ConnectionOutcome()
        closedByGuard.markClosedByServer()
        var dropped = Logger(label: "t") { _ in ConnectionLogHandler(base: log.logger.handler, outcome: closedByGuard, throttle: throttle) }
        dropped.logLevel = .info
        dropped.error("Error handling upgrade result")
        dropped.info("Server started")
        XCTAssertEqual(log.lines(containing: "Error handling upgrade result"), [], "the guard counted and logged that connection itself")
        XCTAssertEqual(log.lines(containing: "Server started").count, 1, "lines below error pass untouched")

        var throttled = Logger(label: "t") { _ in ConnectionLogHandler(base: log.logger.handler, outcome: ConnectionOutcome(), throttle: throttle) }
        throttled.logLevel = .info
        for _ in 0..<5 { throttled.error("Error handling upgrade result") }
        XCTAssertEqual(log.lines(containing: "Error handling upgrade result").count, 1)
        clock.advance(ThrottledLog.interval)
        throttled.error("Error handling upgrade result")
        XCTAssertTrue(log.lines(containing: "Error handling upgrade result").last?.contains("4 similar suppressed") == true)
    }

    func testConnectionSettingsComeFromTheConfigFileAndBadValuesNameTheirKey() throws {
        let config = try SanctumConfig.parse(yaml: """
            connections: { idle_timeout: 1.5, header_timeout: 2, min_body_rate: 100, body_grace: 3, max_per_ip: 7, exempt_ips: [] }
            """)
        let limits = try ConnectionLimits(config.connections)
        XCTAssertEqual(limits.idleTimeout, .milliseconds(1_500))
        XCTAssertEqual(limits.headerTimeout, .seconds(2))
        XCTAssertEqual(limits.minBodyRate, 100)
        XCTAssertEqual(limits.bodyGrace, .seconds(3))
        XCTAssertEqual(limits.maxPerIP, 7)
        XCTAssertEqual(limits.exemptIPs, [])
        XCTAssertEqual(try ConnectionLimits(nil).exemptIPs, ["127.0.0.1", "::1"], "loopback (a proxy on the same host) is exempt by default")
        for (yaml, key) in [("idle_timeout: 0", "connections.idle_timeout"), ("header_timeout: -1", "connections.header_timeout"),
                            ("min_body_rate: 0", "connections.min_body_rate"), ("max_per_ip: 0", "connections.max_per_ip")] {
            let bad = try SanctumConfig.parse(yaml: "connections: { \(yaml) }")
            XCTAssertThrowsError(try ConnectionLimits(bad.connections)) { error in
                XCTAssertTrue("\(error)".hasPrefix(key), "\(error)")
            }
        }
    }
}
