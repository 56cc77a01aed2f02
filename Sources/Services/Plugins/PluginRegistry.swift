import PluginAPI

/// The plugins compiled into a server, handed to it by the executable that composes it
/// (`Sources/sanctum` lists Sanctum's own). Tiers in the config file name them by id.
public struct PluginRegistry: Sendable {
    /// Plugin types, by descriptor id.
    public let types: [String: any Plugin.Type]

    /// A registry of `types`; of two types with the same id, the first wins.
    public init(_ types: [any Plugin.Type]) {
        self.types = Dictionary(types.map { ($0.descriptor.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// This registry plus `more` (tests and custom builds add their own plugins this way).
    public func adding(_ more: [any Plugin.Type]) -> PluginRegistry {
        PluginRegistry(Array(types.values) + more)
    }
}
