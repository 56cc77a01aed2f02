import Foundation
import PluginAPI

/// Interface languages for the widget and two-way translation of messages between a visitor's
/// language and the site's agent language (`docs/plugins/i18n.md`).
public struct I18n: Plugin {
    /// The `plugins.i18n` section of the config file: keys in snake_case, each optional.
    public struct Configuration: PluginConfiguration {
        /// Message translation (`plugins.i18n.translation`): off unless enabled.
        public var translation = TranslationConfiguration()

        /// The defaults: no translation.
        public init() {}

        /// The defaults with these translation settings.
        public init(translation: TranslationConfiguration) { self.translation = translation }
    }

    public static let descriptor = PluginDescriptor(
        id: "i18n", version: "1.0.0", minimumAPIVersion: PluginAPIVersion(2, 4),
        capabilities: [.transformMessages, .storage, .outboundHTTP, .subscribeEvents],
        summary: "Translates visitor messages into the agent language and agent replies into the visitor's")

    let configuration: Configuration

    public init(configuration: Configuration) throws {
        try configuration.translation.validate()
        self.configuration = configuration
    }

    public func activate(host: any PluginHost) async throws -> PluginContributions {
        try await translationContributions(host: host)
    }

    /// Warms the translation provider up (its first request is slow), then returns.
    public func run(host: any PluginHost) async throws {
        await warmUpTranslation(host: host)
    }
}
