import Foundation

/// Severity of a plugin log line.
public enum PluginLogLevel: String, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error

    public static func < (a: PluginLogLevel, b: PluginLogLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The narrow interface the host gives a plugin. Plugins never import the host.
public protocol PluginHost: Sendable {
    /// Writes a log line attributed to the plugin.
    func log(_ level: PluginLogLevel, _ message: String, metadata: [String: String])
    /// The current time (injected, so time-based plugin code is testable).
    func now() -> Date
    /// The plugin's own key-value space; other plugins cannot see it.
    var storage: any PluginStorage { get }
    /// Publishes an event to the host's event stream (for operators and other subscribers).
    func publish(_ event: PluginEvent) async
}

extension PluginHost {
    /// Writes a log line without metadata.
    public func log(_ level: PluginLogLevel, _ message: String) { log(level, message, metadata: [:]) }
}

/// A namespaced key-value store: values are opaque bytes, keys are strings up to 256 bytes.
public protocol PluginStorage: Sendable {
    /// The value of `key`, or `nil`.
    func value(for key: String) async throws -> Data?
    /// Stores `value` under `key` (replacing any previous value).
    func set(_ value: Data, for key: String) async throws
    /// Removes `key` (no error if absent).
    func remove(_ key: String) async throws
    /// Keys starting with `prefix`, sorted.
    func keys(prefix: String) async throws -> [String]
}

/// An event a plugin publishes.
public struct PluginEvent: Sendable, Equatable {
    /// Event name, namespaced by convention: `<plugin-id>.<name>`.
    public var name: String
    /// Site the event concerns, if any.
    public var siteID: String?
    /// Free-form attributes.
    public var attributes: [String: String]

    public init(name: String, siteID: String? = nil, attributes: [String: String] = [:]) {
        self.name = name
        self.siteID = siteID
        self.attributes = attributes
    }
}
