import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Analytics

final class UsageTests: XCTestCase {
    /// Conversation `a`: answered after 60 s, a follow-up answered after 120 s, then reopened after
    /// 40 minutes of quiet and answered after 300 s (a reply, not a first response). `b`: unanswered.
    func scripted(_ rig: AnalyticsRig) -> [LoggedEvent] {
        [
            rig.event(1, "message", "session_a", at: 0),
            rig.event(2, "reply", "session_a", at: 60),
            rig.event(3, "message", "session_a", at: 90),
            rig.event(4, "message", "session_b", at: 100),
            rig.event(5, "reply", "session_a", at: 210),
            rig.event(6, "message", "session_a", at: 210 + 2400),
            rig.event(7, "reply", "session_a", at: 210 + 2400 + 300),
        ]
    }

    func testFirstResponsesRepliesReopeningsAndUnansweredConversations() async throws {
        let rig = try await AnalyticsRig()
        try await rig.deliver(scripted(rig))
        let data = try await rig.summary(["from": "2027-01-15T08:00:00Z", "to": "2027-01-15T09:00:00Z"])
        let totals = try XCTUnwrap(data["totals"] as? [String: Any])
        XCTAssertEqual(totals["conversations_started"] as? Int, 2)
        XCTAssertEqual(totals["answered"] as? Int, 1)
        XCTAssertEqual(totals["unanswered"] as? Int, 1)
        XCTAssertEqual(totals["reopened"] as? Int, 1)
        XCTAssertEqual(totals["visitor_messages"] as? Int, 4)
        XCTAssertEqual(totals["agent_replies"] as? Int, 3)
        XCTAssertEqual(totals["unique_visitors"] as? Int, 2)
        let first = try XCTUnwrap(totals["first_response"] as? [String: Any])
        XCTAssertEqual(first["count"] as? Int, 1)
        XCTAssertEqual(first["median_seconds"] as? Double, bucketBound(60))
        let reply = try XCTUnwrap(totals["reply"] as? [String: Any])
        XCTAssertEqual(reply["count"] as? Int, 2)
        XCTAssertEqual(reply["median_seconds"] as? Double, bucketBound(120))
        XCTAssertEqual(reply["p90_seconds"] as? Double, bucketBound(300))
        let series = try XCTUnwrap(data["series"] as? [[String: Any]])
        XCTAssertEqual(series.count, 4)
        XCTAssertEqual(series.map { $0["start"] as? String }, ["2027-01-15T08:00:00Z", "2027-01-15T08:15:00Z", "2027-01-15T08:30:00Z", "2027-01-15T08:45:00Z"])
        XCTAssertEqual(series.map { $0["visitor_messages"] as? Int }, [3, 0, 1, 0])
        XCTAssertEqual(series.map { $0["agent_replies"] as? Int }, [2, 0, 0, 1])
        XCTAssertEqual(series.map { $0["reopened"] as? Int }, [0, 0, 1, 0])
    }

    func testADeletedConversationLeavesNoReferenceAndTheCountsStand() async throws {
        let rig = try await AnalyticsRig()
        try await rig.deliver(scripted(rig))
        try await rig.harness.deleteConversations(["session_a"], firstEventID: 100)
        let data = try await rig.summary(["from": "2027-01-15T08:00:00Z", "to": "2027-01-15T09:00:00Z"])
        let totals = try XCTUnwrap(data["totals"] as? [String: Any])
        XCTAssertEqual(totals["unique_visitors"] as? Int, 2, "the erased visitor still counts, under a placeholder")
        XCTAssertEqual(totals["visitor_messages"] as? Int, 4, "aggregates are not personal data and stay")
        var stored = ""
        for key in try await rig.storage.keys(prefix: "") {
            stored += key + String(decoding: try await rig.storage.value(for: key) ?? Data(), as: UTF8.self)
        }
        XCTAssertFalse(stored.contains("session_a"), "no key or value names the deleted conversation")
        XCTAssertTrue(stored.contains("session_b"), "the other conversation stays")
        let csv = await rig.csv("conversations.csv", ["from": "2027-01-15", "to": "2027-01-15"])
        XCTAssertFalse(csv.contains("session_a"))
    }

    func testABatchDeliveredAgainOrAJournalAppliedTwiceCountsOnce() async throws {
        let rig = try await AnalyticsRig()
        let events = scripted(rig)
        try await rig.deliver(Array(events.prefix(4)))
        try await rig.deliver(events)  // at least once: the first four come again
        try await rig.deliver(events)
        let store = UsageStore(storage: rig.storage, retention: .seconds(86_400))
        let journal = try await UsageIngest(store: store, configuration: .init()).journal(for: [rig.event(8, "message", "session_c", at: 3000)], through: 8)
        try await store.write(journal)
        try await store.apply(journal)  // crashed before the journal was dropped: applied again below
        try await store.write(journal)
        try await rig.deliver([rig.event(8, "message", "session_c", at: 3000)])
        let data = try await rig.summary(["from": "2027-01-15", "to": "2027-01-15"])
        let totals = try XCTUnwrap(data["totals"] as? [String: Any])
        XCTAssertEqual(totals["visitor_messages"] as? Int, 5)
        XCTAssertEqual(totals["agent_replies"] as? Int, 3)
        XCTAssertEqual(totals["conversations_started"] as? Int, 3)
        let applied = try await store.appliedThrough()
        XCTAssertEqual(applied, 8)
        let pending = try await store.pendingJournal()
        XCTAssertNil(pending)
    }

    func testConversationsCSVHasOneRowPerConversationInTheSiteTimeZone() async throws {
        let rig = try await AnalyticsRig(configuration: .init(sites: [.init(site: "acme", timeZone: "Europe/Berlin")]))
        try await rig.deliver(scripted(rig))
        let text = await rig.csv("conversations.csv", ["from": "2027-01-15", "to": "2027-01-15"])
        XCTAssertEqual(text, """
            site,session_id,started,first_response_seconds,visitor_messages,agent_messages,answered\r
            acme,session_a,2027-01-15T09:00:00+01:00,60,3,3,yes\r
            acme,session_b,2027-01-15T09:01:40+01:00,,1,0,no\r

            """)
        let daily = await rig.csv("daily.csv", ["from": "2027-01-15", "to": "2027-01-16"])
        let rows = daily.components(separatedBy: "\r\n")
        XCTAssertEqual(rows[1], "2027-01-15,2,1,1,1,4,3,2,\(CSVExport.seconds(bucketBound(60))),\(CSVExport.seconds(bucketBound(60))),\(CSVExport.seconds(bucketBound(120))),\(CSVExport.seconds(bucketBound(300)))")
        XCTAssertEqual(rows[2], "2027-01-16,0,0,0,0,0,0,0,,,,")
    }

    func testAgentsReadTheirOwnSiteTheOperatorAnyAndBadRangesAreClearErrors() async throws {
        let rig = try await AnalyticsRig()
        let other = await rig.harness.call("GET", "/plugins/analytics/summary", as: .agent, query: ["site": "other"])
        XCTAssertEqual(other.status, 403)
        let visitor = await rig.harness.call("GET", "/plugins/analytics/summary", as: .visitor)
        XCTAssertEqual(visitor.status, 401)
        let admin = try await rig.summary(["site": "other"], as: .admin)
        XCTAssertEqual(admin["site"] as? String, "other")
        for query in [["from": "yesterday"], ["from": "2027-01-16", "to": "2027-01-15"], ["interval": "week"],
                      ["from": "2020-01-01", "to": "2027-01-01"], ["from": "2027-01-01", "to": "2027-03-31", "interval": "15m"]] {
            let answer = await rig.harness.call("GET", "/plugins/analytics/summary", as: .agent, query: query)
            XCTAssertEqual(answer.status, 400, "\(query)")
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
            XCTAssertEqual(json["success"] as? Bool, false)
            XCTAssertNotNil(json["error"] as? String)
        }
    }

    func testRepliesToConversationsStartedBeforeTheLogWasReadCountWithoutLatencies() async throws {
        let rig = try await AnalyticsRig()
        try await rig.deliver([rig.event(1, "reply", "session_old", at: 10), rig.event(2, "reply", "session_old", at: 20)])
        let data = try await rig.summary(["from": "2027-01-15", "to": "2027-01-15"])
        let totals = try XCTUnwrap(data["totals"] as? [String: Any])
        XCTAssertEqual(totals["agent_replies"] as? Int, 2)
        XCTAssertEqual(totals["conversations_started"] as? Int, 0)
        XCTAssertEqual((totals["first_response"] as? [String: Any])?["count"] as? Int, 0)
        let rows = await rig.csv("conversations.csv", ["from": "2027-01-15", "to": "2027-01-15"]).components(separatedBy: "\r\n")
        XCTAssertEqual(rows.count, 2, "the header only")
    }

    func testRollupsAndConversationRecordsExpireAfterTheRetention() async throws {
        var configuration = Analytics.Configuration()
        configuration.retentionDays = 2
        let rig = try await AnalyticsRig(configuration: configuration)
        try await rig.deliver(scripted(rig))
        rig.host.advance(by: 86_400)
        let kept = try await rig.summary(["from": "2027-01-15", "to": "2027-01-15"])
        XCTAssertEqual((kept["totals"] as? [String: Any])?["visitor_messages"] as? Int, 4)
        rig.host.advance(by: 86_400 + 1)
        let expired = try await rig.summary(["from": "2027-01-15", "to": "2027-01-15"])
        XCTAssertEqual((expired["totals"] as? [String: Any])?["visitor_messages"] as? Int, 0)
        let rows = await rig.csv("conversations.csv", ["from": "2027-01-15", "to": "2027-01-15"]).components(separatedBy: "\r\n")
        XCTAssertEqual(rows.count, 2, "the header only")
    }

    func testHistogramsSumAcrossBucketsAndGiveNearestRankPercentiles() {
        var a = LatencyHistogram()
        var b = LatencyHistogram()
        for seconds in [1.0, 5, 30] { a.record(seconds) }
        for seconds in [30.0, 600, 4000, 0.2] { b.record(seconds) }
        a.merge(b)
        XCTAssertEqual(a.total, 7)
        XCTAssertEqual(a.percentile(0.5), LatencyHistogram.upperBound(LatencyHistogram.index(of: 30)))
        XCTAssertEqual(a.percentile(0.9), LatencyHistogram.upperBound(LatencyHistogram.index(of: 4000)))
        XCTAssertEqual(LatencyHistogram.index(of: 1), 0)
        XCTAssertEqual(LatencyHistogram.index(of: 2), 4)
        XCTAssertEqual(LatencyHistogram.index(of: 1e9), LatencyHistogram.maximumIndex)
    }

    func testConfigurationErrorsNameTheKey() {
        XCTAssertThrowsError(try Analytics(configuration: .init(sites: [.init(site: "acme", timeZone: "Mars/Olympus")]))) { error in
            XCTAssertEqual("\(error)", "plugins.analytics.sites[0].time_zone must be an IANA time zone name, found \"Mars/Olympus\"")
        }
        for json in [#"{"site": "a", "time_zone": "Asia/Kolkata", "reopen_after_minutes": 5}"#,
                     #"{"site": "a", "timeZone": "Asia/Kolkata", "reopenAfterMinutes": 5}"#] {
            let settings = try? JSONDecoder().decode(Analytics.SiteSettings.self, from: Data(json.utf8))
            XCTAssertEqual(settings, Analytics.SiteSettings(site: "a", timeZone: "Asia/Kolkata", reopenAfterMinutes: 5), json)
        }
        var configuration = Analytics.Configuration()
        configuration.retentionDays = 0
        XCTAssertThrowsError(try Analytics(configuration: configuration))
    }

    func testConforms() async {
        let failures = await PluginConformance.check(Analytics.self, configuration: .init())
        XCTAssertEqual(failures, [])
    }
}
