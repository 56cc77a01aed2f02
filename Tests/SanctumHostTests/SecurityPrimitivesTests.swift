import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Secrets, the key store and the rate limiter.
final class SecurityPrimitivesTests: XCTestCase {
    func testHashedSecretsVerifyOnlyTheirKey() {
        let stored = Secrets.hash("correct horse battery staple")
        XCTAssertTrue(stored.hasPrefix("sha256$"))
        XCTAssertFalse(stored.contains("correct"))
        XCTAssertTrue(Secrets.verify("correct horse battery staple", against: stored))
        XCTAssertFalse(Secrets.verify("correct horse battery stapl", against: stored))
        XCTAssertNotEqual(Secrets.hash("x"), Secrets.hash("x"), "salted")
        XCTAssertTrue(Secrets.verify("legacy-plain", against: "legacy-plain"))
        XCTAssertFalse(Secrets.verify("legacy", against: "legacy-plain"))
    }

    func testGeneratedKeysAreLongAndDistinct() {
        let a = Secrets.generate(prefix: "sk_"), b = Secrets.generate(prefix: "sk_")
        XCTAssertNotEqual(a, b)
        XCTAssertGreaterThanOrEqual(a.count, 40)
        XCTAssertTrue(a.hasPrefix("sk_"))
    }

    func testRateLimiterBurstRefillAndRetryAfter() {
        final class FakeClock: @unchecked Sendable { var now = 1000.0 }
        let clock = FakeClock()
        let limiter = RateLimiter(budgets: [.messages: RateBudget(burst: 3, perSecond: 0.5)], clock: { clock.now })
        for _ in 0..<3 { XCTAssertNil(limiter.acquire(.messages, client: "ip")) }
        XCTAssertEqual(limiter.acquire(.messages, client: "ip"), 2)
        XCTAssertNil(limiter.acquire(.messages, client: "other"), "budgets are per client")
        clock.now += 2
        XCTAssertNil(limiter.acquire(.messages, client: "ip"))
        XCTAssertNotNil(limiter.acquire(.messages, client: "ip"))
        limiter.reset()
        XCTAssertNil(limiter.acquire(.messages, client: "ip"))
    }

    func testDefaultBudgetsFitRealClients() {
        final class FakeClock: @unchecked Sendable { var now = 0.0 }
        let clock = FakeClock()
        let limiter = RateLimiter(clock: { clock.now })
        for _ in 0..<60 { XCTAssertNil(limiter.acquire(.messages, client: "burst")) }
        for _ in 0..<3600 {
            clock.now += 1
            XCTAssertNil(limiter.acquire(.responses, client: "widget"))
            XCTAssertNil(limiter.acquire(.inbox, client: "agent"))
        }
    }

    func testDisabledLimiterNeverThrottles() {
        let limiter = RateLimiter(enabled: false, budgets: [.messages: RateBudget(burst: 1, perSecond: 0)])
        for _ in 0..<10 { XCTAssertNil(limiter.acquire(.messages, client: "x")) }
    }

    func testKeyValidation() {
        XCTAssertThrowsError(try KeyStore.validateNew("short", kind: .api))
        XCTAssertThrowsError(try KeyStore.validateNew("ObeyG1ant", kind: .api))
        XCTAssertNoThrow(try KeyStore.validateNew("a-long-enough-secret-key", kind: .admin))
    }
}
