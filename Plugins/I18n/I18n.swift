import Foundation
import PluginAPI

/// Interface languages for the website widget (`docs/plugins/i18n.md`): a widget module that picks
/// the visitor's language (the page's `language` option, else the browser's languages the site
/// offers, else the site's default), downloads only that language's file and translates the core
/// widget and every module's texts, with plurals and dates through `Intl`; and two-way message
/// translation between a visitor's language and the site's agent language (the `translation`
/// section, `Translation/`).
public struct I18n: Plugin {
    /// The `plugins.i18n` section of the config file: keys in snake_case, each optional.
    public struct Configuration: PluginConfiguration {
        /// The language of a visitor whose browser prefers none of `languages` (a shipped one).
        public var defaultLanguage = "en"
        /// The interface languages the site offers, each shipped (``I18n/shippedLanguages``);
        /// empty: all of them.
        public var languages: [String] = []
        /// Message translation (`plugins.i18n.translation`).
        public var translation = TranslationConfiguration()

        /// The defaults: every shipped language, English by default.
        public init() {}

        /// The defaults with these languages.
        public init(defaultLanguage: String, languages: [String] = []) {
            self.defaultLanguage = defaultLanguage
            self.languages = languages
        }

        /// The defaults with these translation settings.
        public init(translation: TranslationConfiguration) { self.translation = translation }
    }

    /// Thrown at startup for a language the plugin does not ship.
    public struct UnknownLanguage: Error, CustomStringConvertible {
        /// The config key (`plugins.i18n.languages` or `plugins.i18n.default_language`).
        public var key: String
        /// The language tag as written.
        public var language: String
        /// Shown when the server refuses to start.
        public var description: String {
            "\(key): no interface language \"\(language)\" (shipped: \(I18n.shippedLanguages.joined(separator: ", ")))"
        }
    }

    public static let descriptor = PluginDescriptor(
        id: "i18n", version: "1.0.0", minimumAPIVersion: PluginAPIVersion(2, 4),
        capabilities: [.widgetModule, .transformMessages, .storage, .outboundHTTP, .subscribeEvents],
        summary: "Interface languages for the widget (the visitor's language, right-to-left layouts, plurals and dates through Intl) and two-way message translation")

    /// The interface languages with a file in `Resources/widget/<language>.json`.
    public static let shippedLanguages = [
        "ar", "bn", "de", "en", "es", "fa", "fr", "he", "hi", "id", "it", "ja",
        "ko", "nl", "pl", "pt", "ru", "sv", "tr", "uk", "ur", "vi", "zh",
    ]

    let configuration: Configuration

    /// The plugin for `configuration`; throws ``UnknownLanguage`` for a language it does not ship,
    /// and the translation section's errors for values that cannot work.
    public init(configuration: Configuration) throws {
        try configuration.translation.validate()
        for language in configuration.languages where !Self.shippedLanguages.contains(language) {
            throw UnknownLanguage(key: "plugins.i18n.languages", language: language)
        }
        guard Self.offered(configuration).contains(configuration.defaultLanguage) else {
            throw UnknownLanguage(key: "plugins.i18n.default_language", language: configuration.defaultLanguage)
        }
        self.configuration = configuration
    }

    /// The languages a site with `configuration` offers, in the shipped order.
    static func offered(_ configuration: Configuration) -> [String] {
        configuration.languages.isEmpty ? shippedLanguages : shippedLanguages.filter(configuration.languages.contains)
    }

    /// The interface part (the widget module) merged with the translation part.
    public func activate(host: any PluginHost) async throws -> PluginContributions {
        var contributions = try await translationContributions(host: host)
        contributions.widgetModule = try interfaceModule()
        return contributions
    }

    /// The widget module: its script, one strings file per offered language, and the options the
    /// widget chooses the language with (`languages`, `default_language`).
    func interfaceModule() throws -> WidgetModule {
        let offered = Self.offered(configuration)
        let files = Dictionary(uniqueKeysWithValues: offered.map { ($0, "widget/\($0).json") })
        return try WidgetModule(bundle: .module, script: "widget/module.js", strings: files,
                                options: ["languages": offered.joined(separator: ","),
                                          "default_language": configuration.defaultLanguage])
    }

    /// Warms the translation provider up (its first request is slow), then returns.
    public func run(host: any PluginHost) async throws {
        await warmUpTranslation(host: host)
    }
}
