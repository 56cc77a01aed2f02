import Foundation
import I18n
import PluginAPI
import PluginTesting
import XCTest

/// The interface half of the I18n plugin on the mock host: its widget module, the languages it
/// offers, its checks of the configuration and the conformance suite.
final class InterfaceTests: XCTestCase {
    let host = MockHost()

    func module(_ configuration: I18n.Configuration = .init()) async throws -> WidgetModule {
        let contributions = try await I18n(configuration: configuration).activate(host: host)
        return try XCTUnwrap(contributions.widgetModule)
    }

    func testOffersEveryShippedLanguageByDefaultWithEnglishAsTheDefault() async throws {
        let module = try await module()
        XCTAssertTrue(module.javascript.contains("SanctumChat.module('i18n'"))
        XCTAssertEqual(module.strings.keys.sorted(), I18n.shippedLanguages)
        XCTAssertEqual(module.options["default_language"], "en")
        XCTAssertEqual(module.options["languages"], I18n.shippedLanguages.joined(separator: ","))
        XCTAssertGreaterThanOrEqual(I18n.shippedLanguages.count, 21)
        for rightToLeft in ["ar", "he", "fa", "ur"] { XCTAssertNotNil(module.strings[rightToLeft]) }
    }

    func testEveryLanguageFileIsAJSONObjectWithTheWidgetAndModuleSections() async throws {
        let module = try await module()
        for (language, data) in module.strings {
            let table = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], language)
            for section in ["i18n", "notifications", "attachments", "link-guard"] {
                XCTAssertNotNil(table[section] as? [String: Any], "\(language).json lacks \(section)")
            }
        }
    }

    func testASiteOffersOnlyItsLanguages() async throws {
        let module = try await module(.init(defaultLanguage: "de", languages: ["fr", "de", "ar"]))
        XCTAssertEqual(module.strings.keys.sorted(), ["ar", "de", "fr"])
        XCTAssertEqual(module.options, ["languages": "ar,de,fr", "default_language": "de"])
    }

    func testRefusesLanguagesItDoesNotShip() {
        XCTAssertThrowsError(try I18n(configuration: .init(defaultLanguage: "en", languages: ["xx"]))) { error in
            XCTAssertTrue(String(describing: error).contains("plugins.i18n.languages"))
        }
        XCTAssertThrowsError(try I18n(configuration: .init(defaultLanguage: "ja", languages: ["de", "fr"]))) { error in
            XCTAssertTrue(String(describing: error).contains("plugins.i18n.default_language"))
        }
    }

    func testItsConfigFileKeysAreSnakeCase() throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let keys = try XCTUnwrap(try JSONSerialization.jsonObject(with: encoder.encode(I18n.Configuration())) as? [String: Any]).keys
        XCTAssertEqual(Set(keys), ["default_language", "languages", "translation"])
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: encoder.encode(I18n.Configuration())) as? [String: Any])
        object["default_language"] = "fr"
        object["languages"] = ["fr", "en"]
        let json = try JSONSerialization.data(withJSONObject: object)
        let configuration = try decoder.decode(I18n.Configuration.self, from: json)
        XCTAssertEqual(configuration.defaultLanguage, "fr")
        XCTAssertEqual(configuration.languages, ["fr", "en"])
    }

    func testRunsInTheHookHarness() async throws {
        let harness = try await HookHarness(I18n.self, configuration: .init(), host: host)
        let accepted = await harness.prepare(visitor: "Hallo")
        XCTAssertEqual(accepted, .accept(MessageDraft(kind: .visitor, sessionID: "session_test", text: "Hallo")))
    }

    func testConforms() async {
        let failures = await PluginConformance.check(I18n.self, configuration: .init())
        XCTAssertEqual(failures, [])
    }
}
