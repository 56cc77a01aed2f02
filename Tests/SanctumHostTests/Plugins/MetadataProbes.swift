@testable import SanctumServices
import Foundation
import PluginAPI

/// Copies the client's language hint and the original text into its own namespace, the way
/// the I18n plugin will; records the hints it saw and the metadata observers receive.
struct LanguageProbe: Plugin {
    static let descriptor = PluginDescriptor(id: "i18n-probe", version: "1", minimumAPIVersion: PluginAPIVersion(2, 2),
                                             capabilities: [.transformMessages, .observeMessages], summary: "test: attaches metadata")
    init(configuration: NoConfiguration) {}

    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(
            transformers: [.rewriting(name: "translate", kinds: [.visitor, .agent]) { draft, _ in
                ProbeRecorder.shared.record("hints:\(draft.clientMetadata.namespaces.keys.sorted().joined(separator: ","))")
                guard let language = draft.clientMetadata["i18n-probe"]?["language"]?.stringValue else { return MessageRewrite(text: draft.text) }
                return MessageRewrite(text: draft.text.uppercased(), metadata: ["original": .string(draft.text), "language": .string(language)])
            }],
            observers: [MessageObserver(name: "record") { message in
                let language = message.metadata["i18n-probe"]?["language"]?.stringValue ?? "none"
                ProbeRecorder.shared.record("stored:\(message.kind.rawValue):\(message.text):\(language)")
            }])
    }
}

/// Runs after ``LanguageProbe``: reads what it attached, and tries to overwrite it by naming its
/// namespace as a member (which lands in its own namespace).
struct FollowerProbe: Plugin {
    static let descriptor = PluginDescriptor(id: "meta-follower", version: "1", minimumAPIVersion: PluginAPIVersion(2, 2),
                                             capabilities: [.transformMessages], summary: "test: reads earlier metadata")
    init(configuration: NoConfiguration) {}

    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(transformers: [.rewriting(name: "follow", kinds: [.visitor, .agent]) { draft, _ in
            let earlier = draft.metadata["i18n-probe"]?["language"]?.stringValue ?? "none"
            ProbeRecorder.shared.record("follower-saw:\(earlier)")
            guard draft.text.lowercased().contains("forge") else { return MessageRewrite(text: draft.text) }
            return MessageRewrite(text: draft.text, metadata: ["i18n-probe": ["language": "forged"], "saw": .string(earlier)])
        }])
    }
}

/// Attaches more than the size limit when the text says `hoard` (fail-open: the message is
/// stored without its members).
struct HoarderProbe: Plugin {
    static let descriptor = PluginDescriptor(id: "meta-hoarder", version: "1", minimumAPIVersion: PluginAPIVersion(2, 2),
                                             capabilities: [.transformMessages], summary: "test: attaches too much")
    init(configuration: NoConfiguration) {}

    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(transformers: [.rewriting(name: "hoard") { draft, _ in
            guard draft.text.lowercased().contains("hoard") else { return MessageRewrite(text: draft.text) }
            return MessageRewrite(text: draft.text + " (hoarded)", metadata: ["blob": .string(String(repeating: "x", count: MessageMetadata.maximumSize))])
        }])
    }
}

extension PluginRegistry {
    /// The probes plus the metadata probes.
    static let withMetadataProbes = PluginRegistry.withProbes.adding([LanguageProbe.self, FollowerProbe.self, HoarderProbe.self])
}
