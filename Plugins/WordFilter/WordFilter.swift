import Foundation
import PluginAPI

/// Rejects visitor messages that contain a listed word: the smallest plugin here (one validator).
public struct WordFilter: Plugin {
    public struct Configuration: PluginConfiguration {
        /// Words to refuse (matched case-insensitively, as whole words).
        public var words: [String] = []
        /// Stable code clients switch on.
        public var code = "word_filter.blocked"
        /// Key of the text the widget shows.
        public var localizationKey = "error.message_blocked"

        /// No words, the standard code and key: what a file that leaves keys out gets.
        public init() {}

        /// The defaults with these words.
        public init(words: [String]) { self.words = words }
    }

    public static let descriptor = PluginDescriptor(
        id: "word-filter", version: "1.0.0", minimumAPIVersion: PluginAPIVersion(2, 1), capabilities: [.validateMessages],
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
