import Foundation

/// What a plugin may contribute or use. A plugin declares the capabilities it uses in its
/// ``PluginDescriptor``; the host (and the test kit, with the same code) refuses contributions
/// that were not declared and refuses host services of undeclared capabilities with
/// ``CapabilityNotDeclared``; the conformance suite flags declarations that are never used.
///
/// New cases may arrive in a minor version: switch over it with a `default`.
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
    /// The namespaced key-value storage of ``PluginHost/storage``. Without it every storage
    /// call throws ``CapabilityNotDeclared``.
    case storage
    /// Durable ``EventSubscription``s of the event log.
    case subscribeEvents = "subscribe-events"
    /// Outbound HTTP requests through ``PluginHost/http``. Without it every request throws
    /// ``CapabilityNotDeclared``. Since PluginAPI 2.2.
    case outboundHTTP = "outbound-http"
    /// Socket connections through ``PluginHost/sockets``. Without it every connection throws
    /// ``CapabilityNotDeclared``. Since PluginAPI 2.2.
    case sockets
}

/// Thrown by a host service that the calling plugin did not declare in its descriptor (for
/// example ``PluginHost/storage`` without ``PluginCapability/storage``).
///
/// The server and `PluginTesting`'s harness throw the same error, so a test catches a missing
/// declaration before production does. Implementers fix the descriptor; they must not catch
/// this error to fall back silently.
public struct CapabilityNotDeclared: Error, Sendable, Hashable, CustomStringConvertible {
    /// The capability that was used without being declared.
    public var capability: PluginCapability

    /// The error for a use of `capability`.
    public init(_ capability: PluginCapability) { self.capability = capability }

    /// `capability <name> is not declared in the plugin's descriptor`, for logs.
    public var description: String { "capability \(capability.rawValue) is not declared in the plugin's descriptor" }
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
    /// What the plugin contributes and uses; declare exactly that (see ``PluginCapability``).
    public var capabilities: Set<PluginCapability>
    /// One line for logs and the operator console.
    public var summary: String

    /// A descriptor. `minimumAPIVersion` defaults to the first release of the current major
    /// version; raise it when you use an addition of a later minor version.
    public init(id: String, version: String, minimumAPIVersion: PluginAPIVersion = PluginAPIVersion(2, 0),
                capabilities: Set<PluginCapability>, summary: String) {
        self.id = id
        self.version = version
        self.minimumAPIVersion = minimumAPIVersion
        self.capabilities = capabilities
        self.summary = summary
    }

    /// Whether `id` has the required shape (at most 64 lowercase letters, digits and inner `-`).
    public var hasValidID: Bool {
        !id.isEmpty && id.count <= 64 && id.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && id.first != "-" && id.last != "-"
    }
}

/// A plugin's configuration when it takes none.
public struct NoConfiguration: Decodable, Sendable, Equatable {
    /// The empty configuration (any config section decodes to it).
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
/// ``PluginHost/storage``, in actors, or behind a `Mutex` (`import Synchronization`, part of
/// Swift) held only for short synchronous work. They must not import the host or block a thread.
public protocol Plugin: Sendable {
    /// The plugin's section of the config file; use ``NoConfiguration`` when there is none.
    associatedtype Configuration: Decodable & Sendable

    /// Identity and requirements. Must return the same value every time.
    static var descriptor: PluginDescriptor { get }

    /// Creates the plugin from its validated configuration. Throw to stop the server with the
    /// reason (a configuration that cannot work); do no I/O here.
    init(configuration: Configuration) throws

    /// Registers the plugin's hooks, routes and widget module. Throwing ``PluginRefusal``
    /// declines activation with a reason (the server starts without the plugin, loudly).
    /// Contributing a capability the descriptor does not declare refuses the plugin too.
    func activate(host: any PluginHost) async throws -> PluginContributions

    /// Long-running background work; return when the task is cancelled. Default: returns at once.
    func run(host: any PluginHost) async throws

    /// Releases resources; called in reverse activation order at shutdown, within the host's
    /// deadline. Default: nothing.
    func deactivate(host: any PluginHost) async
}

extension Plugin {
    /// Returns at once: a plugin without background work needs no `run`.
    public func run(host: any PluginHost) async throws {}
    /// Does nothing: a plugin without resources needs no `deactivate`.
    public func deactivate(host: any PluginHost) async {}
}

/// Thrown from ``Plugin/activate(host:)`` to decline activation.
public struct PluginRefusal: Error, Sendable, CustomStringConvertible {
    /// Why, for the operator.
    public var reason: String
    /// A refusal with its reason (logged as `PLUGIN NOT ACTIVATED: <id> refused: <reason>`).
    public init(_ reason: String) { self.reason = reason }
    /// The ``reason``.
    public var description: String { reason }
}
