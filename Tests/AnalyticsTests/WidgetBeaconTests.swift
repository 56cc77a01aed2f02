import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Analytics

/// The widget module's routes on the mock host: settings, strict beacon checks, the per-site
/// limit and the `widget` section of the summary read from the hourly widget rollups.
final class WidgetBeaconTests: XCTestCase {
    private func beacon(_ rig: AnalyticsRig, _ json: String) async -> PluginResponse {
        await rig.harness.call("POST", "/plugins/analytics/beacon", as: .visitor, headers: ["content-type": "text/plain"], body: Data(json.utf8))
    }

    func testSettingsAreTheSiteOnesAndTheDefaultsRespectDoNotTrack() async throws {
        let rig = try await AnalyticsRig(configuration: .init(sites: [.init(site: "acme", sampleRate: 0.25, countBubbleViews: true)]))
        let answer = await rig.harness.call("GET", "/plugins/analytics/settings", as: .visitor)
        XCTAssertEqual(answer.status, 200)
        let data = try XCTUnwrap((try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["data"] as? [String: Any])
        XCTAssertEqual(data["sample_rate"] as? Double, 0.25)
        XCTAssertEqual(data["respect_dnt"] as? Bool, true)
        XCTAssertEqual(data["count_bubble_views"] as? Bool, true)
        XCTAssertEqual(data["flush_seconds"] as? Int, 10)
    }

    func testBeaconsFoldIntoTheSummaryFunnelTimingsAndErrorGroups() async throws {
        let rig = try await AnalyticsRig()
        let first = #"{"browser":"chrome","version":"v1","funnel":["bubble_shown","chat_opened"],"timings":[{"name":"open_interactive","ms":100},{"name":"bubble_painted","ms":1},{"name":"bubble_painted","ms":0}],"errors":[{"message":"boom","source":"link-guard","frames":["at x (module.js:1:2)"]}]}"#
        let second = #"{"browser":"firefox","version":"v1","funnel":["bubble_shown"],"timings":[{"name":"open_interactive","ms":300}],"errors":[{"message":"boom","source":"link-guard","frames":["at x (module.js:1:2)"]}]}"#
        for body in [first, second] {
            let status = await beacon(rig, body).status
            XCTAssertEqual(status, 202)
        }
        let summary = try await rig.summary([:])
        let widget = try XCTUnwrap(summary["widget"] as? [String: Any])
        let funnel = try XCTUnwrap(widget["funnel"] as? [[String: Any]])
        XCTAssertEqual(funnel.map { $0["step"] as? String }, ["bubble_shown", "chat_opened", "message_sent"])
        XCTAssertEqual(funnel.map { $0["count"] as? Int }, [2, 1, 0])
        let timings = try XCTUnwrap(widget["timings"] as? [[String: Any]])
        XCTAssertEqual(timings.map { $0["browser"] as? String }, ["chrome", "chrome", "firefox"])
        XCTAssertEqual(timings.map { $0["timing"] as? String }, ["bubble_painted", "open_interactive", "open_interactive"])
        XCTAssertEqual(timings.map { $0["count"] as? Int }, [2, 1, 1], "ms 0 and 1 are numbers, not booleans")
        XCTAssertEqual(timings[1]["median_ms"] as? Double, (LatencyHistogram.upperBound(LatencyHistogram.index(of: 100)) * 1000).rounded() / 1000)
        let errors = try XCTUnwrap(widget["errors"] as? [[String: Any]])
        XCTAssertEqual(errors.count, 1)
        XCTAssertEqual(errors[0]["count"] as? Int, 2)
        XCTAssertEqual(errors[0]["version"] as? String, "v1")
        XCTAssertEqual(errors[0]["browsers"] as? [String: Int], ["chrome": 1, "firefox": 1])
        let csv = await rig.csv("widget.csv", [:])
        let hour = AnalyticsRig.start.ISO8601Format()
        XCTAssertEqual(csv, [
            "hour_utc,kind,browser,name,count,median_ms,p90_ms",
            "\(hour),funnel,,bubble_shown,2,,", "\(hour),funnel,,chat_opened,1,,",
            "\(hour),timing,chrome,bubble_painted,2,\(CSVExport.seconds(LatencyHistogram.upperBound(0))),\(CSVExport.seconds(LatencyHistogram.upperBound(LatencyHistogram.index(of: 1))))",
            "\(hour),timing,chrome,open_interactive,1,\(CSVExport.seconds(bucketBound(100))),\(CSVExport.seconds(bucketBound(100)))",
            "\(hour),timing,firefox,open_interactive,1,\(CSVExport.seconds(bucketBound(300))),\(CSVExport.seconds(bucketBound(300)))",
            "\(hour),error,,link-guard: boom,2,,",
        ].joined(separator: "\r\n") + "\r\n", "the same rows the summary's widget section sums")
        let keys = try await rig.storage.keys(prefix: "w:acme:")
        XCTAssertEqual(keys.count, 1, "one hourly rollup, no raw beacons")
    }

    func testBadBeaconsAreClearErrorsAndCountNothing() async throws {
        let rig = try await AnalyticsRig()
        let cases: [(String, String)] = [
            ("", "JSON object"), ("[1]", "JSON object"), (#"{"browser":"chrome","x":1}"#, "Unknown key \"x\""),
            (#"{"browser":"netscape"}"#, "browser must be one of"), (#"{"browser":"chrome","funnel":["clicked"]}"#, "funnel steps"),
            (#"{"browser":"chrome","funnel":["chat_opened","chat_opened"]}"#, "twice"),
            (#"{"browser":"chrome","timings":[{"name":"open_interactive","ms":-1}]}"#, "timings must be"),
            (#"{"browser":"chrome","timings":[{"name":"open_interactive","ms":true}]}"#, "timings must be"),
            (#"{"browser":"chrome","errors":[{"message":""}]}"#, "must not be empty"),
            ("{\"browser\":\"chrome\",\"version\":\"" + String(repeating: "a", count: 9000) + "\"}", "larger than 8192 bytes"),
        ]
        for (body, expected) in cases {
            let answer = await beacon(rig, body)
            XCTAssertEqual(answer.status, 400, body)
            let error = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["error"] as? String ?? ""
            XCTAssertTrue(error.contains(expected), "\(body.prefix(60)): \(error)")
        }
        let stored = try await rig.storage.keys(prefix: "w:")
        XCTAssertEqual(stored.count, 0)
    }

    func testBeaconsOverTheLimitPerClientAddressAre429AndNoAddressIsStored() async throws {
        var configuration = Analytics.Configuration()
        configuration.beaconsPerIPPerMinute = 2
        let rig = try await AnalyticsRig(configuration: configuration)
        let body = Data(#"{"browser":"chrome","funnel":["chat_opened"]}"#.utf8)
        func send(from address: String) async -> Int {
            await rig.harness.call("POST", "/plugins/analytics/beacon", as: .visitor, body: body, clientAddress: address).status
        }
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(await send(from: "198.51.100.9")) }
        XCTAssertEqual(statuses, [202, 202, 429])
        let refused = await rig.harness.call("POST", "/plugins/analytics/beacon", as: .visitor, body: body, clientAddress: "198.51.100.9")
        XCTAssertEqual(refused.status, 429)
        XCTAssertNotNil(refused.headers["retry-after"], "a 429 says when to retry")
        let other = await send(from: "198.51.100.10")
        XCTAssertEqual(other, 202, "another address has its own budget")
        let keys = try await rig.storage.keys(prefix: "").joined(separator: " ")
        XCTAssertFalse(keys.contains("198.51.100"), "counted under a keyed hash, not the address")
    }

    func testBeaconsOverTheSiteLimitPerMinuteAre429() async throws {
        var configuration = Analytics.Configuration()
        configuration.beaconsPerMinute = 2
        let rig = try await AnalyticsRig(configuration: configuration)
        let body = #"{"browser":"chrome","funnel":["chat_opened"]}"#
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(await beacon(rig, body).status) }
        XCTAssertEqual(statuses, [202, 202, 429])
        rig.host.advance(by: 60)
        let later = await beacon(rig, body).status
        XCTAssertEqual(later, 202)
        let summary = try await rig.summary([:])
        let funnel = try XCTUnwrap((summary["widget"] as? [String: Any])?["funnel"] as? [[String: Any]])
        XCTAssertEqual(funnel[1]["count"] as? Int, 3)
    }

    func testASampleRateOutsideZeroToOneStopsTheServer() {
        XCTAssertThrowsError(try Analytics(configuration: .init(sites: [.init(site: "acme", sampleRate: 1.5)]))) { error in
            XCTAssertEqual("\(error)", "plugins.analytics.sites[0].sample_rate must be between 0 and 1")
        }
    }
}
