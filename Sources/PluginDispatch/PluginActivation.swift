import Foundation
import PluginAPI

/// The activation rules the server and `PluginTesting` share, so a plugin meets in its tests
/// exactly the checks it meets in production.
///
/// 1. ``checkCompatibility(_:)``: this build must satisfy the plugin's minimum PluginAPI version
///    (checked before the plugin is created from its configuration).
/// 2. ``restrict(_:to:)``: the plugin gets its host through a wrapper that refuses the host
///    services of capabilities it did not declare (``CapabilityNotDeclared``).
/// 3. ``activate(_:host:)``: contributions of undeclared capabilities refuse the plugin.
public enum PluginActivation {
    /// Throws ``ActivationRefusal`` when this build of PluginAPI cannot run a plugin with `descriptor`.
    public static func checkCompatibility(_ descriptor: PluginDescriptor) throws(ActivationRefusal) {
        guard PluginAPIVersion.current.satisfies(descriptor.minimumAPIVersion) else {
            throw ActivationRefusal(pluginID: descriptor.id,
                                    reason: "needs PluginAPI \(descriptor.minimumAPIVersion); this server has \(PluginAPIVersion.current)")
        }
    }

    /// `host` as a plugin with `descriptor` may use it: ``PluginHost/storage``,
    /// ``PluginHost/http`` and ``PluginHost/sockets`` throw ``CapabilityNotDeclared`` unless the
    /// descriptor declares ``PluginCapability/storage``, ``PluginCapability/outboundHTTP`` and
    /// ``PluginCapability/sockets``. Everything else passes through unchanged.
    public static func restrict(_ host: any PluginHost, to descriptor: PluginDescriptor) -> any PluginHost {
        DeclaredCapabilitiesHost(base: host, declared: descriptor.capabilities)
    }

    /// Calls ``Plugin/activate(host:)`` and checks what it returned: a plugin that throws, or
    /// contributes a capability its descriptor does not declare, is refused with
    /// ``ActivationRefusal``. Pass a host made by ``restrict(_:to:)``.
    public static func activate(_ plugin: any Plugin, host: any PluginHost) async throws(ActivationRefusal) -> ActivatedPlugin {
        let descriptor = type(of: plugin).descriptor
        let contributions: PluginContributions
        do {
            contributions = try await plugin.activate(host: host)
        } catch {
            throw ActivationRefusal(pluginID: descriptor.id, reason: "refused: \(error)")
        }
        let undeclared = contributions.usedCapabilities.subtracting(descriptor.capabilities)
        guard undeclared.isEmpty else {
            throw ActivationRefusal(pluginID: descriptor.id,
                                    reason: "contributes undeclared capabilities \(undeclared.map(\.rawValue).sorted())")
        }
        return ActivatedPlugin(id: descriptor.id, contributions: contributions)
    }
}

/// Why a plugin was left out at activation (the server logs it as `PLUGIN NOT ACTIVATED`).
public struct ActivationRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The refused plugin's id.
    public var pluginID: String
    /// What was wrong, for the operator (`needs PluginAPI …`, `refused: …`, `contributes undeclared …`).
    public var reason: String

    /// A refusal of `pluginID` for `reason`.
    public init(pluginID: String, reason: String) {
        self.pluginID = pluginID
        self.reason = reason
    }

    /// The ``reason``.
    public var description: String { reason }
}

/// A plugin's host with the services of undeclared capabilities switched off.
struct DeclaredCapabilitiesHost: PluginHost {
    let base: any PluginHost
    let declared: Set<PluginCapability>

    func log(_ level: PluginLogLevel, _ message: String, metadata: [String: String]) {
        base.log(level, message, metadata: metadata)
    }

    func now() -> Date { base.now() }

    var storage: any PluginStorage {
        declared.contains(.storage) ? base.storage : UndeclaredStorage()
    }

    func publish(_ event: PluginEvent) async { await base.publish(event) }
    func yieldToTraffic(upTo maximum: Duration) async { await base.yieldToTraffic(upTo: maximum) }

    var http: any PluginHTTPClient {
        declared.contains(.outboundHTTP) ? base.http : UndeclaredNetwork()
    }

    var sockets: any PluginSocketConnector {
        declared.contains(.sockets) ? base.sockets : UndeclaredNetwork()
    }

    var crypto: any PluginCrypto { base.crypto }
}

/// The HTTP client and sockets of a plugin that did not declare them: every call throws.
struct UndeclaredNetwork: PluginHTTPClient, PluginSocketConnector {
    func send(_ request: PluginHTTPRequest) async throws -> PluginHTTPResponse { throw CapabilityNotDeclared(.outboundHTTP) }

    func withConnection<Result: Sendable>(to address: PluginSocketAddress, timeouts: PluginSocketTimeouts,
                                          _ body: (any PluginSocket) async throws -> Result) async throws -> Result {
        throw CapabilityNotDeclared(.sockets)
    }
}

/// The storage of a plugin that did not declare ``PluginCapability/storage``: every call throws.
struct UndeclaredStorage: PluginStorage {
    func value(for key: String) async throws -> Data? { throw CapabilityNotDeclared(.storage) }
    func set(_ value: Data, for key: String) async throws { throw CapabilityNotDeclared(.storage) }
    func remove(_ key: String) async throws { throw CapabilityNotDeclared(.storage) }
    func keys(prefix: String) async throws -> [String] { throw CapabilityNotDeclared(.storage) }
    func set(_ value: Data, for key: String, expiresAfter timeToLive: Duration) async throws { throw CapabilityNotDeclared(.storage) }
    func update(_ key: String, expiresAfter timeToLive: Duration?, _ transform: @escaping @Sendable (Data?) throws -> Data?) async throws -> Data? {
        throw CapabilityNotDeclared(.storage)
    }
}
