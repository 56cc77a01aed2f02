import Foundation
import PluginAPI
import PluginTesting
import XCTest
@testable import Notifications

/// The visitor side: the widget module the plugin declares from its resources, its options and
/// the per-site options route.
final class VisitorModuleTests: XCTestCase {
    private func activate(_ configuration: Notifications.Configuration) async throws -> PluginContributions {
        let host = MockHost()
        host.allowStorage()
        return try await Notifications(configuration: configuration).activate(host: host)
    }

    func testShipsTheWidgetModuleFromItsResourcesWithTheDefaultOptions() async throws {
        let contributions = try await activate(.init())
        let module = try XCTUnwrap(contributions.widgetModule)
        XCTAssertTrue(module.javascript.contains("SanctumChat.module('notifications'"))
        XCTAssertTrue(module.css?.contains("prefers-reduced-motion") == true)
        XCTAssertEqual(module.options, ["sound": "true", "sound_name": "chime", "title_count": "false",
                                        "browser_notifications": "true", "per_site": "false"])
    }

    func testTheConfiguredDefaultsBecomeTheModulesOptions() async throws {
        var configuration = Notifications.Configuration()
        configuration.visitor.sound = false
        configuration.visitor.soundName = "bell"
        configuration.visitor.titleCount = true
        configuration.visitor.browserNotifications = false
        let contributions = try await activate(configuration)
        let module = try XCTUnwrap(contributions.widgetModule)
        XCTAssertEqual(module.options, ["sound": "false", "sound_name": "bell", "title_count": "true",
                                        "browser_notifications": "false", "per_site": "false"])
    }

    func testASiteWithItsOwnOptionsGetsThemFromThePublicRouteOthersGetTheDefaults() async throws {
        var configuration = Notifications.Configuration()
        var shop = Notifications.SiteVisitorAlerts(site: "shop")
        shop.titleCount = true
        shop.soundName = "beep"
        configuration.visitorSites = [shop]
        let host = MockHost()
        host.allowStorage()
        let harness = try await HookHarness(Notifications.self, configuration: configuration, host: host)
        XCTAssertEqual(harness.contributions["notifications"]?.widgetModule?.options["per_site"], "true")

        let shopAnswer = await harness.call("GET", "/plugins/notifications/visitor-options", site: SiteInfo(id: "shop", tier: "test"))
        XCTAssertEqual(shopAnswer.status, 200)
        XCTAssertEqual(try data(shopAnswer), ["sound": "true", "sound_name": "beep", "title_count": "true", "browser_notifications": "true"])
        let other = await harness.call("GET", "/plugins/notifications/visitor-options", site: SiteInfo(id: "blog", tier: "test"))
        XCTAssertEqual(try data(other), ["sound": "true", "sound_name": "chime", "title_count": "false", "browser_notifications": "true"])
    }

    func testRefusesAnUnknownSoundAndASiteListedTwice() {
        var unknown = Notifications.Configuration()
        unknown.visitor.soundName = "trumpet"
        XCTAssertThrowsError(try Notifications(configuration: unknown)) { error in
            XCTAssertTrue(String(describing: error).contains("chime, beep, bell"))
        }
        var twice = Notifications.Configuration()
        twice.visitorSites = [.init(site: "shop"), .init(site: "shop")]
        XCTAssertThrowsError(try Notifications(configuration: twice)) { error in
            XCTAssertTrue(String(describing: error).contains("\"shop\" more than once"))
        }
    }

    private func data(_ response: PluginResponse) throws -> [String: String] {
        let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        XCTAssertEqual(body["success"] as? Bool, true)
        return try XCTUnwrap(body["data"] as? [String: String])
    }
}
