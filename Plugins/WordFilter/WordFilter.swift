import Foundation
import PluginAPI

/// Rejects visitor messages that contain a listed word — the worked example of `docs/plugins.md`.
public struct WordFilter: Plugin {
    public struct Configuration: Decodable, Sendable {
        /// Words to refuse (matched case-insensitively, as whole words).
        public var words: [String]
        /// Stable code clients switch on.
        public var code: String = "word_filter.blocked"
        /// Key of the text the widget shows.
        public var localizationKey: String = "error.message_blocked"

        enum CodingKeys: String, CodingKey { case words, code, localizationKey = "localization_key" }

        public init(words: [String], code: String = "word_filter.blocked", localizationKey: String = "error.message_blocked") {
            self.words = words
            self.code = code
            self.localizationKey = localizationKey
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            words = try c.decode([String].self, forKey: .words)
            code = try c.decodeIfPresent(String.self, forKey: .code) ?? code
            localizationKey = try c.decodeIfPresent(String.self, forKey: .localizationKey) ?? localizationKey
        }
    }

    public static let descriptor = PluginDescriptor(
        id: "word-filter", version: "1.0.0", capabilities: [.validateMessages],
        summary: "Rejects visitor messages containing listed words")

    let configuration: Configuration
    let blocked: Set<String>

    public init(configuration: Configuration) {
        self.configuration = configuration
        blocked = Set(configuration.words.map { $0.lowercased() })
    }

    public func activate(host: any PluginHost) async throws -> PluginContributions {
        let (blocked, code, key) = (blocked, configuration.code, configuration.localizationKey)
        return PluginContributions(validators: [
            MessageValidator(name: "words", kinds: [.visitor], budget: .milliseconds(20), policy: .failOpen) { draft, _ in
                let words = draft.text.lowercased().split { !$0.isLetter && !$0.isNumber }
                guard words.contains(where: { blocked.contains(String($0)) }) else { return .allow }
                return .reject(code: code, localizationKey: key, message: "This message contains a word that is not allowed")
            },
        ])
    }
}
