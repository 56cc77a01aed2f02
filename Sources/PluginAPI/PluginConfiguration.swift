import Foundation

/// A plugin configuration the host decodes for you: snake_case keys and defaults without a
/// hand-written `init(from:)`. Since PluginAPI 2.1.
///
/// ```swift
/// public struct Configuration: PluginConfiguration {
///     /// Most links a message may carry.
///     public var maxLinks = 3
///     /// Domains whose links never count.
///     public var trustedDomains: [String] = []
///     /// The defaults.
///     public init() {}
/// }
/// ```
///
/// reads `plugins.<id>: { max_links: 5 }` as `maxLinks = 5, trustedDomains = []`. The host
/// encodes `Configuration()` and lays the user's section over it, mapping by mapping: a key the
/// file leaves out keeps its default (nested structs too), a key the file gives replaces it. Keys
/// are matched as written or converted from snake_case to camelCase (`max_links` → `maxLinks`),
/// which includes the keys of a `[String: …]` dictionary that has no entry of that name in the
/// defaults. Use plain Swift names (no `CodingKeys` needed); optionals left `nil` are simply absent.
///
/// A wrong type stops the server with the key path in the file's spelling and both types in
/// words: `plugins.link-guard.max_links: expected a whole number, found text "ten"`.
/// Check values that decode but cannot work (a negative limit) in ``Plugin/init(configuration:)``
/// and throw: the server stops with your reason.
public protocol PluginConfiguration: Codable, Sendable {
    /// The configuration when the file says nothing; every key it leaves out keeps this value.
    init()
}
