import Foundation

/// Data attached to a message, namespaced by plugin id (since PluginAPI 2.2): for example
/// `["i18n": ["original": "Hallo", "language": "de"]]`.
///
/// A plugin attaches members under its own id only, with ``MessageRewrite/metadata``; the host
/// stores the result with the message and returns it to agents (inbox, events, history) and to
/// observers. Changing the copy a hook receives changes nothing.
///
/// The same type carries a client's hints (``MessageDraft/clientMetadata``), which the host
/// never stores: a client must not be able to forge what a plugin attached.
public struct MessageMetadata: Sendable, Hashable, Codable {
    /// The largest metadata of one message, in bytes of compact JSON as ``encodedSize`` measures
    /// it: 8 KB. A transformer whose members would make it larger fails (its failure policy
    /// applies); a client's larger hints are refused with HTTP 400.
    public static let maximumSize = 8192

    /// The members of each namespace, by plugin id.
    public var namespaces: [String: [String: PluginJSON]]

    /// Metadata with these namespaces (empty by default).
    public init(_ namespaces: [String: [String: PluginJSON]] = [:]) {
        self.namespaces = namespaces
    }

    /// The members attached under `pluginID`, or `nil` if it attached none.
    public subscript(pluginID: String) -> [String: PluginJSON]? {
        namespaces[pluginID]
    }

    /// Whether no namespace has members.
    public var isEmpty: Bool {
        namespaces.values.allSatisfy(\.isEmpty)
    }

    /// This metadata with `members` set in the namespace `pluginID` (other members of that
    /// namespace and other namespaces are kept). The host applies a transformer's
    /// ``MessageRewrite/metadata`` with it, always under the transformer's own plugin id.
    public func merging(_ members: [String: PluginJSON], into pluginID: String) -> MessageMetadata {
        guard !members.isEmpty else { return self }
        var merged = self
        merged.namespaces[pluginID, default: [:]].merge(members) { _, new in new }
        return merged
    }

    /// The size of the compact JSON with sorted keys, in UTF-8 bytes: what ``maximumSize`` limits
    /// (a NaN or infinite number counts as the `null` the host stores for it).
    public var encodedSize: Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "null", negativeInfinity: "null", nan: "null")
        return (try? encoder.encode(self).count) ?? Int.max
    }

    /// Decodes the namespaces object.
    public init(from decoder: any Decoder) throws {
        self.namespaces = try decoder.singleValueContainer().decode([String: [String: PluginJSON]].self)
    }

    /// Encodes the namespaces object (`{"plugin-id": {…}, …}`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(namespaces)
    }
}

/// What a rewriting transformer returns: the new text and the members it attaches under its
/// plugin's namespace (since PluginAPI 2.2).
public struct MessageRewrite: Sendable, Equatable {
    /// The text to store (or to hand to the next transformer).
    public var text: String
    /// Members to set in the plugin's own namespace of the message's metadata; empty attaches
    /// nothing. Members the plugin attached earlier and does not name here are kept.
    public var metadata: [String: PluginJSON]

    /// A rewrite with this text and, optionally, metadata members.
    public init(text: String, metadata: [String: PluginJSON] = [:]) {
        self.text = text
        self.metadata = metadata
    }
}
