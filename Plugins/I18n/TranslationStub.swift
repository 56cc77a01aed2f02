import PluginAPI

// A stand-in for the message-translation half of the plugin (`Plugins/I18n/Translation/`), built
// on another branch: the merge replaces this file with the real configuration and contributions.

/// The `plugins.i18n.translation` section (message translation); empty here.
public struct TranslationConfiguration: PluginConfiguration {
    /// No options yet.
    public init() {}
}

extension I18n {
    /// The message-translation contributions: none here.
    func translationContributions(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions()
    }
}
