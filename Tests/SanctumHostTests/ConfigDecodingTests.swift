import Foundation
import PluginAPI
import WordFilter
import XCTest
@testable import SanctumHost
import SanctumServices

/// Plugin sections decode with snake_case keys and defaults; every config error names the key
/// path in the file's spelling, the expected type and what was found, in words.
final class ConfigDecodingTests: XCTestCase {
    /// A configuration written the short way: no `CodingKeys`, no `init(from:)`.
    struct LinkLimits: PluginConfiguration, Equatable {
        struct Upgrade: Codable, Equatable, Sendable {
            var rewriteLinks = true
            var label = "secure"
        }
        var maxLinks = 3
        var trustedDomains: [String] = []
        var upgrade = Upgrade()
        var note: String?
        init() {}
    }

    private func decode(_ yaml: String) throws -> LinkLimits {
        try SanctumConfig.parse(yaml: yaml).pluginConfiguration(LinkLimits.self, id: "link-guard")
    }

    private func configError(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error as? ConfigError)?.description ?? "not a ConfigError: \(error)"
        }
    }

    func testSnakeCaseKeysFillTheFieldsAndLeftOutKeysKeepTheirDefaults() throws {
        let limits = try decode("plugins:\n  link-guard: { max_links: 5, upgrade: { label: loud }, note: hi }\n")
        var expected = LinkLimits()
        expected.maxLinks = 5
        expected.upgrade.label = "loud"
        expected.note = "hi"
        XCTAssertEqual(limits, expected, "nested defaults survive a partial nested section")
        XCTAssertEqual(try decode("tiers: {}\n"), LinkLimits(), "no section: the defaults")
        XCTAssertEqual(try decode("plugins:\n  link-guard:\n    maxLinks: 7\n").maxLinks, 7, "the Swift spelling works too")
    }

    func testATypeErrorNamesTheKeyPathTheExpectedTypeAndWhatWasFound() {
        XCTAssertEqual(configError { try self.decode("plugins: { link-guard: { max_links: ten } }") },
                       #"plugins.link-guard.max_links: expected a whole number, found text "ten""#)
        XCTAssertEqual(configError { try self.decode("plugins: { link-guard: { trusted_domains: 5 } }") },
                       "plugins.link-guard.trusted_domains: expected a list, found the number 5")
        XCTAssertEqual(configError { try self.decode("plugins: { link-guard: { upgrade: { rewrite_links: maybe } } }") },
                       #"plugins.link-guard.upgrade.rewrite_links: expected true or false, found text "maybe""#)
    }

    func testTheShippedPluginsAndTheHostsOwnKeysSpeakTheSameWay() {
        XCTAssertEqual(configError { try SanctumConfig.parse(yaml: "plugins: { word-filter: { words: 5 } }")
                .pluginConfiguration(WordFilter.Configuration.self, id: "word-filter") },
                       "plugins.word-filter.words: expected a list, found the number 5")
        XCTAssertEqual(configError { try SanctumConfig.parse(yaml: "rate_limits: { messages: { burst: lots } }") },
                       #"rate_limits.messages.burst: expected a number, found text "lots""#)
        XCTAssertEqual(configError { try SanctumConfig.parse(yaml: "server: { port: eighty }") },
                       #"server.port: expected a whole number, found text "eighty""#)
        XCTAssertEqual(configError { try SanctumConfig.parse(yaml: "sites: [ { id: a, allowed_origins: https://a.example } ]") },
                       #"sites[0].allowed_origins: expected a list, found text "https://a.example""#)
    }

    func testWordFilterTakesItsKeysFromTheFileAndDefaultsTheRest() throws {
        let configuration = try SanctumConfig.parse(yaml: "plugins: { word-filter: { words: [darn], localization_key: error.custom } }")
            .pluginConfiguration(WordFilter.Configuration.self, id: "word-filter")
        XCTAssertEqual(configuration.words, ["darn"])
        XCTAssertEqual(configuration.localizationKey, "error.custom")
        XCTAssertEqual(configuration.code, "word_filter.blocked")
    }

    /// Refuses a limit that decodes but cannot work.
    struct Picky: Plugin {
        struct Configuration: PluginConfiguration { var limit = 1 }
        struct NotPositive: Error, CustomStringConvertible { var description: String { "limit must be positive" } }
        static let descriptor = PluginDescriptor(id: "picky", version: "1", capabilities: [.validateMessages], summary: "test")
        init(configuration: Configuration) throws {
            guard configuration.limit > 0 else { throw NotPositive() }
        }
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(validators: [MessageValidator(name: "none") { _, _ in .allow }])
        }
    }

    func testAnErrorFromInitConfigurationStopsTheServerNamingTheSection() async throws {
        let config = try SanctumConfig.parse(yaml: "tiers: { free: { plugins: [picky] } }\nplugins: { picky: { limit: -1 } }")
        do {
            _ = try await withServer(config: config, registry: PluginRegistry.shipped.adding([Picky.self])) { _, _ in }
            XCTFail("started")
        } catch let error as ConfigError {
            XCTAssertEqual(error.description, "plugins.picky: limit must be positive")
        }
    }
}
