import Foundation
import I18n
import PluginAPI
import PluginTesting
import XCTest

/// `plugins.i18n.translation`: decoding, validation and the conformance suite.
final class TranslationConfigurationTests: XCTestCase {
    func testDecodesTheFileSpellingOfPerSiteSettings() throws {
        let json = #"[{"site": "a", "agent_language": "es"}, {"site": "b", "enabled": false}, {"site": "c", "agentLanguage": "de"}]"#
        let sites = try JSONDecoder().decode([SiteTranslation].self, from: Data(json.utf8))
        XCTAssertEqual(sites, [SiteTranslation(site: "a", agentLanguage: "es"), SiteTranslation(site: "b", enabled: false),
                               SiteTranslation(site: "c", agentLanguage: "de")])
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(sites[0])) as? [String: String]
        XCTAssertEqual(encoded, ["site": "a", "agent_language": "es"])
    }

    func testDefaultsAreOffWithATwoSecondBudget() {
        let settings = TranslationConfiguration()
        XCTAssertFalse(settings.enabled)
        XCTAssertEqual(settings.budgetSeconds, 2)
        XCTAssertEqual(settings.provider, "apertium")
        XCTAssertNoThrow(try I18n(configuration: I18n.Configuration()))
    }

    func testRefusesSettingsThatCannotWork() {
        func refused(_ change: (inout TranslationConfiguration) -> Void) -> String {
            var settings = TranslationConfiguration(provider: "apertium", url: "http://localhost:2737")
            change(&settings)
            do {
                _ = try I18n(configuration: I18n.Configuration(translation: settings))
                return ""
            } catch { return "\(error)" }
        }
        XCTAssertEqual(refused { _ in }, "")
        XCTAssertTrue(refused { $0.provider = "deepl" }.contains("plugins.i18n.translation.provider"))
        XCTAssertTrue(refused { $0.url = "ftp://x" }.contains("plugins.i18n.translation.url"))
        XCTAssertTrue(refused { $0.budgetSeconds = 0 }.contains("budget_seconds"))
        XCTAssertTrue(refused { $0.agentLanguage = "english!" }.contains("agent_language"))
        XCTAssertTrue(refused { $0.sites = [SiteTranslation(site: "a"), SiteTranslation(site: "a")] }.contains("more than once"))
    }

    func testConformsWithTranslationOffAndOn() async {
        let off = await PluginConformance.check(I18n.self, configuration: I18n.Configuration())
        XCTAssertEqual(off, [])
        let on = await PluginConformance.check(
            I18n.self, configuration: I18n.Configuration(translation: TranslationConfiguration(provider: "apertium", url: "http://apy.test")))
        XCTAssertEqual(on, [])
    }
}
