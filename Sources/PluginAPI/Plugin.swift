import Foundation

/// What a plugin may contribute. A plugin declares the capabilities it uses in its
/// ``PluginDescriptor``; the host (and the conformance suite) refuse contributions that were not
/// declared, and the conformance suite flags declarations that are never used.
public enum PluginCapability: String, Sendable, Hashable, CaseIterable, Codable {
    /// ``MessageValidator`` hooks.
    case validateMessages = "validate-messages"
    /// ``MessageTransformer`` hooks.
    case transformMessages = "transform-messages"
    /// ``MessageObserver`` hooks.
    case observeMessages = "observe-messages"
    /// ``RequestAuthorizer`` hooks.
    case authorizeRequests = "authorize-requests"
    /// HTTP routes under `/plugins/<id>/`.
    case routes
    /// A widget-side JavaScript/CSS module.
    case widgetModule = "widget-module"
    /// The namespaced key-value storage of ``PluginHost/storage``.
    case storage
}

/// Identity and requirements of a plugin. Published ids never change.
public struct PluginDescriptor: Sendable, Hashable {
    /// Stable identifier: lowercase letters, digits and `-` (for example `domain-allowlist`).
    /// It names the plugin in the config file and prefixes its routes.
    public var id: String
    /// The plugin's own semantic version.
    public var version: String
    /// The oldest PluginAPI version the plugin works with.
    public var minimumAPIVersion: PluginAPIVersion
    /// What the plugin contributes.
    public var capabilities: Set<PluginCapability>
    /// One line for logs and the operator console.
    public var summary: String

    public init(id: String, version: String, minimumAPIVersion: PluginAPIVersion = PluginAPIVersion(1, 0),
                capabilities: Set<PluginCapability>, summary: String) {
        self.id = id
        self.version = version
        self.minimumAPIVersion = minimumAPIVersion
        self.capabilities = capabilities
        self.summary = summary
    }

    /// Whether `id` has the required shape.
    public var hasValidID: Bool {
        !id.isEmpty && id.count <= 64 && id.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && id.first != "-" && id.last != "-"
    }
}

/// A plugin's configuration when it takes none.
public struct NoConfiguration: Decodable, Sendable, Equatable {
    public init() {}
}

/// A compiled-in feature of Sanctum.
///
/// The host creates one instance per server from the plugin's section of the config file
/// (decoded into ``Configuration``), then calls ``activate(host:)`` in config order; the
/// returned ``PluginContributions`` are wired into the request paths of the sites whose tier
/// enables the plugin. ``run(host:)`` is started for background work; ``deactivate(host:)`` is
/// called in reverse order at shutdown, with a deadline.
///
/// Implementers must be `Sendable`: hooks run concurrently for many requests. Keep state in
/// actors or in ``PluginHost/storage``.
public protocol Plugin: Sendable {
    /// The plugin's section of the config file; use ``NoConfiguration`` when there is none.
    associatedtype Configuration: Decodable & Sendable

    /// Identity and requirements.
    static var descriptor: PluginDescriptor { get }

    /// Creates the plugin from its validated configuration.
    init(configuration: Configuration) throws

    /// Registers the plugin's hooks, routes and widget module. Throwing ``PluginRefusal``
    /// declines activation with a reason (the server starts without the plugin, loudly).
    func activate(host: any PluginHost) async throws -> PluginContributions

    /// Long-running background work; return when the task is cancelled. Default: returns at once.
    func run(host: any PluginHost) async throws

    /// Releases resources; called in reverse activation order at shutdown. Default: nothing.
    func deactivate(host: any PluginHost) async
}

extension Plugin {
    public func run(host: any PluginHost) async throws {}
    public func deactivate(host: any PluginHost) async {}
}

/// Thrown from ``Plugin/activate(host:)`` to decline activation.
public struct PluginRefusal: Error, Sendable, CustomStringConvertible {
    /// Why, for the operator.
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
