import Foundation
import PluginAPI

/// The `plugins.i18n.translation` section of the config file: keys in snake_case, each optional.
///
/// ```yaml
/// plugins:
///   i18n:
///     translation:
///       enabled: true                 # every site of a tier with i18n, unless `sites` says otherwise
///       provider: apertium            # or libretranslate
///       url: http://localhost:2737    # list localhost in outbound.allowed_hosts
///       agent_language: en
///       budget_seconds: 2
///       sites:
///         - { site: shop-es, agent_language: es }
///         - { site: intranet, enabled: false }
/// ```
public struct TranslationConfiguration: PluginConfiguration {
    /// Translate the messages of every site whose tier enables the plugin (a site in ``sites``
    /// may say otherwise).
    public var enabled = false
    /// Which kind of service ``url`` is: `apertium` (Apertium APy) or `libretranslate`.
    public var provider = "apertium"
    /// The service's base URL (`http://localhost:2737`). Loopback and private addresses need
    /// `outbound.allowed_hosts` (or `outbound.allow_private`).
    public var url = ""
    /// LibreTranslate's `api_key`, when the service needs one (sent in the request body).
    public var apiKey = ""
    /// The language agents read and write (ISO 639-1, `en`), for sites that do not set their own.
    public var agentLanguage = "en"
    /// The translation hook's budget in seconds: a message whose translation is not back by then
    /// is stored untranslated and flagged (`untranslated: "timeout"`).
    public var budgetSeconds = 2.0
    /// Send the provider a first request when the server starts (its first one is slow).
    public var warmUp = true
    /// Per-site changes: translation on or off, and the site's agent language.
    public var sites: [SiteTranslation] = []

    /// The defaults: translation off.
    public init() {}

    /// Translation on for every site, through `provider` at `url`.
    public init(provider: String, url: String, agentLanguage: String = "en", budgetSeconds: Double = 2,
                sites: [SiteTranslation] = []) {
        self.enabled = true
        self.provider = provider
        self.url = url
        self.agentLanguage = agentLanguage
        self.budgetSeconds = budgetSeconds
        self.sites = sites
    }

    /// What applies to `site`: whether its messages are translated and its agent language.
    func settings(for site: String) -> (enabled: Bool, agentLanguage: String) {
        let own = sites.first { $0.site == site }
        let language = own?.agentLanguage.flatMap { LanguageCode.normalized($0) } ?? LanguageCode.normalized(agentLanguage) ?? "en"
        return (own?.enabled ?? enabled, language)
    }

    /// Whether some site may have its messages translated.
    var usedBySomeSite: Bool { enabled || sites.contains { $0.enabled == true } }

    /// The hook's budget.
    var budget: Duration { .milliseconds(Int64((budgetSeconds * 1000).rounded())) }

    /// Checks what decoding cannot; says which key is wrong.
    func validate() throws {
        let key = "plugins.i18n.translation"
        guard ["apertium", "libretranslate"].contains(provider) else {
            throw TranslationConfigurationError("\(key).provider must be apertium or libretranslate, found \"\(provider)\"")
        }
        guard budgetSeconds > 0, budgetSeconds <= 30 else {
            throw TranslationConfigurationError("\(key).budget_seconds must be above 0 and at most 30")
        }
        guard LanguageCode.normalized(agentLanguage) != nil else {
            throw TranslationConfigurationError("\(key).agent_language must be a language code such as en, found \"\(agentLanguage)\"")
        }
        for (index, site) in sites.enumerated() {
            if let language = site.agentLanguage, LanguageCode.normalized(language) == nil {
                throw TranslationConfigurationError("\(key).sites[\(index)].agent_language must be a language code such as en, found \"\(language)\"")
            }
            if sites.filter({ $0.site == site.site }).count > 1 {
                throw TranslationConfigurationError("\(key).sites lists site \"\(site.site)\" more than once")
            }
        }
        if usedBySomeSite {
            guard let url = URL(string: url), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw TranslationConfigurationError("\(key).url must be an http or https URL when translation is enabled, found \"\(url)\"")
            }
        }
    }
}

/// One site's changes to the translation defaults (`plugins.i18n.translation.sites`); a key
/// left out keeps the default.
public struct SiteTranslation: Codable, Sendable, Equatable {
    /// The site (its `id` in `sites:`).
    public var site: String
    /// Overrides ``TranslationConfiguration/enabled``.
    public var enabled: Bool?
    /// Overrides ``TranslationConfiguration/agentLanguage``.
    public var agentLanguage: String?

    /// Changes for `site`.
    public init(site: String, enabled: Bool? = nil, agentLanguage: String? = nil) {
        self.site = site
        self.enabled = enabled
        self.agentLanguage = agentLanguage
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes a site's settings; `agent_language` may be spelled as the file does or converted
    /// (`agentLanguage`): the host converts the keys of mappings but not of mappings in lists.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let snake = Key(stringValue: "agent_language")
        site = try container.decode(String.self, forKey: Key(stringValue: "site"))
        enabled = try container.decodeIfPresent(Bool.self, forKey: Key(stringValue: "enabled"))
        agentLanguage = try container.decodeIfPresent(String.self, forKey: container.contains(snake) ? snake : Key(stringValue: "agentLanguage"))
    }

    /// Encodes the settings with the file's snake_case keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(site, forKey: Key(stringValue: "site"))
        try container.encodeIfPresent(enabled, forKey: Key(stringValue: "enabled"))
        try container.encodeIfPresent(agentLanguage, forKey: Key(stringValue: "agent_language"))
    }
}

/// Thrown at startup for a translation setting that cannot work; says which key.
public struct TranslationConfigurationError: Error, CustomStringConvertible {
    /// The key path and what is wrong with it.
    public var description: String

    /// An error with this description.
    public init(_ description: String) { self.description = description }
}
