import Foundation
import XCTest
@testable import SanctumServices

/// Leases, idle-session cleanup, event retention and rate limits, with a clock the test moves.
final class TimeRulesTests: XCTestCase {
    func testAnExpiredLeaseIsDeliveredAgainAndAnAcknowledgedOneNever() async throws {
        let f = ServiceFixture()
        let kept = try await f.post("session_l", "first")
        try await f.post("session_l2", "second")
        let leased = try await f.take(lease: 60)
        XCTAssertEqual(leased, ["first", "second"])
        let hidden = try await f.take()
        XCTAssertEqual(hidden, [], "hidden while leased")
        let acknowledged = try await f.services.delivery.acknowledge(site: f.defaultSite, messageIDs: [kept.messageID])
        XCTAssertEqual(acknowledged, 1)
        f.clock.advance(61)
        let redelivered = try await f.take()
        XCTAssertEqual(redelivered, ["second"], "only the unacknowledged message comes back")
    }

    func testCleanupFollowsTheConfiguredSessionTimeout() async throws {
        let f = ServiceFixture()
        try await f.post("session_idle", "bye")
        _ = try await f.take()
        f.clock.advance(1801)
        try await f.services.administration.updateConfiguration(["session_timeout": .int(3600)])
        let early = try await f.services.administration.cleanUpIdleSessions()
        XCTAssertEqual(early, 0, "session_timeout from the config wins over the default 30 minutes")
        f.clock.advance(1800)
        let due = try await f.services.administration.cleanUpIdleSessions()
        XCTAssertEqual(due, 1)
    }

    func testPurgedCursorsReset() async throws {
        let f = ServiceFixture()
        try await f.post("session_e", "one")
        try await f.post("session_e", "two")
        let retention = EventRetention(store: f.store, retention: 3600, clock: f.clock.read, logger: .init(label: "t"))
        f.clock.advance(3601)
        try await f.post("session_e", "three")
        await retention.purge()
        let stale = try await f.services.events.page(scope: .session("session_e", site: defaultSiteID), after: 1, wait: 0)
        XCTAssertTrue(stale.reset, "events after the cursor were purged: the client reloads")
        let fresh = try await f.services.events.page(scope: .session("session_e", site: defaultSiteID), after: stale.lastEventID - 1, wait: 0)
        XCTAssertEqual(fresh.events.map { $0.data["text"] }, [.string("three")])
        XCTAssertFalse(fresh.reset)
    }

    func testTheRetentionJobAlsoSweepsExpiredPluginValues() async throws {
        let f = ServiceFixture()
        try await f.store.setPluginValue(pluginID: "quiet", key: "token", value: Data("t".utf8), expiresAt: f.clock.now.addingTimeInterval(60), now: f.clock.now)
        let retention = EventRetention(store: f.store, retention: 3600, clock: f.clock.read, logger: .init(label: "t"))
        f.clock.advance(61)
        await retention.purge()
        let left = try await f.store.purgeExpiredPluginValues(now: f.clock.now)
        XCTAssertEqual(left, 0, "the job already deleted the expired value of a plugin that never wrote again")
    }

    func testRateLimitRefusesUntilTheBucketRefills() throws {
        let f = ServiceFixture(rateLimits: true)
        let burst = Int(RateLimitedEndpoint.messages.defaultBudget.burst)
        for _ in 0..<burst { try f.services.access.rateLimit(.messages, client: "198.51.100.7") }
        XCTAssertThrowsError(try f.services.access.rateLimit(.messages, client: "198.51.100.7")) { error in
            guard case .rateLimited(let retryAfter)? = (error as? ServiceError)?.kind else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(retryAfter, 0)
        }
        XCTAssertNoThrow(try f.services.access.rateLimit(.messages, client: "203.0.113.9"), "another client has its own bucket")
        f.clock.advance(1)
        XCTAssertNoThrow(try f.services.access.rateLimit(.messages, client: "198.51.100.7"), "refilled after a second")
    }

    func testASpentFailureBudgetRefusesEveryKeyFromThatIPUntilItRefills() throws {
        let f = ServiceFixture(rateLimits: true)
        let access = f.services.access
        let guesser = "198.51.100.66", agent = "203.0.113.10"
        let budget = RateLimitedEndpoint.authFailures.defaultBudget
        for _ in 0..<Int(budget.burst) {
            XCTAssertNoThrow(try access.admitKeyAttempt(client: guesser))
            XCTAssertNoThrow(try access.throttleFailure(client: guesser), "wrong keys within the budget are plain 401s")
        }
        XCTAssertThrowsError(try access.throttleFailure(client: guesser), "the wrong key past the budget is a 429")
        XCTAssertThrowsError(try access.admitKeyAttempt(client: guesser), "then even the right key is not checked") { error in
            guard case .rateLimited(let retryAfter)? = (error as? ServiceError)?.kind else { return XCTFail("\(error)") }
            XCTAssertEqual(retryAfter, Int(1 / budget.perSecond))
        }
        XCTAssertNoThrow(try access.admitKeyAttempt(client: agent), "the right key from another IP keeps working")
        XCTAssertEqual(access.keyLockouts(), [KeyLockout(clientIP: guesser, failures: Int(budget.burst), refused: 2,
                                                         until: f.clock.now.addingTimeInterval(1 / budget.perSecond))])
        f.clock.advance(1 / budget.perSecond - 1)
        XCTAssertThrowsError(try access.admitKeyAttempt(client: guesser), "still locked a second before the refill")
        f.clock.advance(1)
        XCTAssertNoThrow(try access.admitKeyAttempt(client: guesser), "one attempt is checked again once a token refilled")
        XCTAssertEqual(access.keyLockouts(), [])
        XCTAssertNoThrow(try access.throttleFailure(client: guesser))
        XCTAssertThrowsError(try access.admitKeyAttempt(client: guesser), "a wrong one spends it again: one guess per refill")
    }

    func testLongPollWakesForTheNextVisitorMessage() async throws {
        let f = ServiceFixture()
        async let page = f.services.delivery.takeInbox(site: f.defaultSite, limit: 10, offset: 0, since: nil, wait: 30, lease: nil)
        try await f.post("session_w", "wake up")
        let delivered = try await page.messages.map(\.message)
        XCTAssertEqual(delivered, ["wake up"])
    }
}

/// A visitor's subscription belongs to its site from the moment it opens.
final class EventScopeTests: XCTestCase {
    func testSubscribingBeforeASessionExistsNeverLeaksAnotherSitesEvents() async throws {
        let f = ServiceFixture()
        let scope = try await f.services.events.scope(for: .visitor(f.defaultSite), sessionID: "session_future", request: ServiceFixture.visitor)
        async let page = f.services.events.page(scope: scope, after: 0, wait: 30)
        await f.timer.waitForSleepers()
        try await f.post("session_future", "for acme only", site: f.acme)
        f.timer.fire()
        let delivered = try await page
        XCTAssertEqual(delivered.events.count, 0, "another site's message never reaches this visitor")
        let later = try await f.services.events.page(scope: scope, after: 0, wait: 0)
        XCTAssertEqual(later.events.count, 0, "nor does a replay")
        let again = try await f.services.events.scope(for: .visitor(f.defaultSite), sessionID: "session_future", request: ServiceFixture.visitor)
        XCTAssertEqual(again, .session("session_future", site: defaultSiteID), "followed like an empty session of the visitor's site")
        let reopened = try await f.services.events.page(scope: again, after: 0, wait: 0)
        XCTAssertEqual(reopened.events.count, 0, "nothing of acme, and no error that would tell the id exists there")
    }
}

/// Who a key belongs to.
final class AccessControlTests: XCTestCase {
    func testKeysMapToTheirCallers() {
        let f = ServiceFixture()
        guard case .agent(let site)? = f.services.access.caller(forKey: ServiceFixture.apiKey) else { return XCTFail("api key") }
        XCTAssertEqual(site.id, defaultSiteID)
        guard case .agent(let acme)? = f.services.access.caller(forKey: ServiceFixture.acmeKey) else { return XCTFail("site key") }
        XCTAssertEqual(acme.id, "acme")
        guard case .admin? = f.services.access.caller(forKey: ServiceFixture.adminKey) else { return XCTFail("admin key") }
        XCTAssertNil(f.services.access.caller(forKey: "wrong-key-0123456789"))
    }

    func testTheSameOriginShortcutMatchesTheWholeOrigin() {
        XCTAssertTrue(AccessControl.isSameOrigin("https://chat.example.com", authority: "chat.example.com"))
        XCTAssertTrue(AccessControl.isSameOrigin("http://127.0.0.1:8080", authority: "127.0.0.1:8080"))
        XCTAssertFalse(AccessControl.isSameOrigin("https://evil.example://chat.example.com", authority: "chat.example.com"))
        XCTAssertFalse(AccessControl.isSameOrigin("https://evilchat.example.com", authority: "chat.example.com"))
        XCTAssertFalse(AccessControl.isSameOrigin("https://chat.example.com:444", authority: "chat.example.com"))
        XCTAssertFalse(AccessControl.isSameOrigin("https://", authority: ""))
    }

    func testTheOperatorActsOnAnySiteAndAnAgentOnlyOnItsOwn() async throws {
        let f = ServiceFixture()
        try await f.post("session_acme", "hi", site: f.acme)
        let asAdmin = try await f.services.access.agentSite(for: .admin, sessionID: "session_acme")
        XCTAssertEqual(asAdmin.id, "acme")
        await assertRefusal("Invalid session") { _ = try await f.services.access.agentSite(for: .agent(f.defaultSite), sessionID: "session_acme") }
        await assertRefusal("Invalid session") { _ = try await f.services.access.agentSite(for: .admin, sessionID: "session_none") }
    }
}
