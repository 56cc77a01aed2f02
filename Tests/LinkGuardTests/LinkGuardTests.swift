import LinkGuard
import PluginAPI
import PluginTesting
import XCTest

final class LinkGuardTests: XCTestCase {
    let host = MockHost()

    func harness(maxLinks: Int = 2) async throws -> HookHarness {
        host.allowStorage()
        return try await HookHarness(LinkGuard.self, configuration: .init(maxLinks: maxLinks), host: host)
    }

    func testRefusesTooManyLinksAndUpgradesHTTP() async throws {
        let harness = try await harness()
        let refused = await harness.prepare(visitor: "see http://a.example https://b.example http://c.example")
        XCTAssertEqual(refused, .reject(code: LinkGuard.code, localizationKey: "error.too_many_links",
                                        message: "This message has more than 2 links", pluginID: "link-guard"))
        let upgraded = await harness.prepare(visitor: "see http://a.example")
        XCTAssertEqual(upgraded, .accept(MessageDraft(kind: .visitor, sessionID: "session_test", text: "see https://a.example")))
    }

    func testAgentsReadTheRefusalsOfTheirSiteVisitorsDoNot() async throws {
        let harness = try await harness(maxLinks: 0)
        _ = await harness.prepare(visitor: "http://spam.example")
        let stats = await harness.call("GET", "/plugins/link-guard/stats", as: .agent)
        XCTAssertEqual(stats.status, 200)
        XCTAssertEqual(String(decoding: stats.body, as: UTF8.self), #"{"refused":1}"#)
        let visitor = await harness.call("GET", "/plugins/link-guard/stats")
        XCTAssertEqual(visitor.status, 401)
    }

    func testCountsEveryRefusalUnderConcurrency() async throws {
        let harness = try await harness(maxLinks: 0)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<50 { group.addTask { _ = await harness.prepare(visitor: "https://\(index).example") } }
        }
        let stats = await harness.call("GET", "/plugins/link-guard/stats", as: .agent)
        XCTAssertEqual(String(decoding: stats.body, as: UTF8.self), #"{"refused":50}"#)
    }

    func testShipsAWidgetModuleWithTheLimitAndAGermanStringsFile() async throws {
        let module = try await LinkGuard(configuration: .init(maxLinks: 3)).activate(host: host).widgetModule
        XCTAssertEqual(module?.options, ["max_links": "3"])
        XCTAssertTrue(module?.javascript.contains("SanctumChat.module('link-guard'") == true)
        XCTAssertEqual(module?.strings.keys.sorted(), ["de"])
    }

    func testRefusesANegativeLimit() {
        XCTAssertThrowsError(try LinkGuard(configuration: .init(maxLinks: -1)))
    }

    func testConforms() async {
        let failures = await PluginConformance.check(LinkGuard.self, configuration: .init())
        XCTAssertEqual(failures, [])
    }
}
