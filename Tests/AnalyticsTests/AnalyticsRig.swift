import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Analytics

/// The plugin activated against a `MockHost` through the real dispatcher, with helpers that
/// script conversations as logged events at chosen times and read the reports.
struct AnalyticsRig {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    let host: MockHost
    let harness: HookHarness
    let storage: any PluginStorage
    let site: SiteInfo

    init(configuration: Analytics.Configuration = .init(), site: String = "acme") async throws {
        host = MockHost(now: Self.start)
        host.onUnexpectedCall = { XCTFail($0) }
        storage = host.allowStorage()
        self.site = SiteInfo(id: site, tier: "test")
        harness = try await HookHarness(Analytics.self, configuration: configuration, host: host, site: self.site)
    }

    /// A logged `message` (visitor) or `reply` (agent) of `session`, `seconds` after ``start``.
    func event(_ id: Int64, _ type: String, _ session: String, at seconds: Double) -> LoggedEvent {
        LoggedEvent(id: id, type: type, siteID: site.id, sessionID: session, at: Self.start.addingTimeInterval(seconds),
                    data: Data(#"{"text":"hi"}"#.utf8))
    }

    /// Hands `events` to the subscription as the server does.
    func deliver(_ events: [LoggedEvent]) async throws { try await harness.deliver(events, to: "usage") }

    /// A route's answer as JSON `data`.
    func summary(_ query: [String: String], as caller: PluginCaller = .agent) async throws -> [String: Any] {
        let answer = await harness.call("GET", "/plugins/analytics/summary", as: caller, query: query)
        XCTAssertEqual(answer.status, 200, String(decoding: answer.body, as: UTF8.self))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
        return try XCTUnwrap(json["data"] as? [String: Any])
    }

    /// A CSV export's text.
    func csv(_ name: String, _ query: [String: String]) async -> String {
        let answer = await harness.call("GET", "/plugins/analytics/export/\(name)", as: .agent, query: query)
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.headers["content-type"], "text/csv; charset=utf-8")
        return String(decoding: answer.body, as: UTF8.self)
    }
}

/// The upper bound of the histogram bucket a latency falls in (what medians and p90s report).
func bucketBound(_ seconds: Double) -> Double {
    (LatencyHistogram.upperBound(LatencyHistogram.index(of: seconds)) * 1000).rounded() / 1000
}
