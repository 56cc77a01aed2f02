import DomainAllowlist
import PluginAPI
import WordFilter

/// The plugins compiled into this server. Tiers in the config file name them by id.
public struct PluginRegistry: Sendable {
    /// Plugin types, by descriptor id.
    public let types: [String: any Plugin.Type]

    public init(_ types: [any Plugin.Type]) {
        self.types = Dictionary(types.map { ($0.descriptor.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Everything Sanctum ships.
    public static let builtIn = PluginRegistry([DomainAllowlist.self, WordFilter.self])

    /// This registry plus `more` (tests and custom builds add their own plugins this way).
    public func adding(_ more: [any Plugin.Type]) -> PluginRegistry {
        PluginRegistry(Array(types.values) + more)
    }
}
