import Foundation

/// Severity of a plugin log line. New cases may arrive in a minor version.
public enum PluginLogLevel: String, Sendable, Comparable, CaseIterable {
    /// Detail for developers; hidden at the default log level.
    case debug
    /// Normal operation worth recording.
    case info
    /// Something unexpected that the plugin handled.
    case warning
    /// Something failed; an operator should look.
    case error

    /// Orders levels by severity (`debug` lowest).
    public static func < (a: PluginLogLevel, b: PluginLogLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The narrow interface the host gives a plugin. Plugins never import the host.
///
/// Plugins call it; they must not conform their own types to it except in tests (the host and
/// `PluginTesting`'s `MockHost` are the implementations). Services of capabilities the plugin
/// did not declare throw ``CapabilityNotDeclared``.
public protocol PluginHost: Sendable {
    /// Writes a log line attributed to the plugin.
    func log(_ level: PluginLogLevel, _ message: String, metadata: [String: String])
    /// The current time (injected, so time-based plugin code is testable). Use it instead of `Date()`.
    func now() -> Date
    /// The plugin's own key-value space; other plugins cannot see it. Needs the
    /// ``PluginCapability/storage`` capability: without it every call throws ``CapabilityNotDeclared``.
    var storage: any PluginStorage { get }
    /// Publishes an event to the host's event stream (for operators and other subscribers).
    func publish(_ event: PluginEvent) async
    /// The server's outbound HTTP client (redirects not followed, timeouts, address rules). Needs
    /// the ``PluginCapability/outboundHTTP`` capability: without it every call throws
    /// ``CapabilityNotDeclared``. Since PluginAPI 2.2.
    var http: any PluginHTTPClient { get }
    /// Byte-stream connections to Unix sockets and TCP ports (for daemons such as clamd). Needs
    /// the ``PluginCapability/sockets`` capability: without it every call throws
    /// ``CapabilityNotDeclared``. Since PluginAPI 2.2.
    var sockets: any PluginSocketConnector { get }
    /// SHA-256, HMAC-SHA256 and secure random bytes from the host's cryptography library (webhook
    /// signatures). No capability needed. Since PluginAPI 2.3.
    var crypto: any PluginCrypto { get }
    /// Returns once the server is answering no visitor or agent request (waiting long-polls and
    /// open streams do not count), or after `maximum`, whichever comes first. Background work
    /// (webhook deliveries, rollups) calls it between rounds, so on a saturated server it runs
    /// in the gaps instead of taking CPU and database time from the chat; `maximum` bounds the
    /// delay, so it never starves. Since PluginAPI 2.4.
    func yieldToTraffic(upTo maximum: Duration) async
}

extension PluginHost {
    /// Writes a log line without metadata.
    public func log(_ level: PluginLogLevel, _ message: String) { log(level, message, metadata: [:]) }

    /// A client that fails every request with ``PluginHTTPError/connectionFailed(_:)``: the default
    /// of a host written for PluginAPI 2.1, which had no outbound HTTP.
    public var http: any PluginHTTPClient { MissingHostService() }

    /// A connector that fails every connection with ``PluginSocketError/connectionFailed(_:)``: the
    /// default of a host written for PluginAPI 2.1, which had no sockets.
    public var sockets: any PluginSocketConnector { MissingHostService() }

    /// Cryptography that throws ``PluginCryptoUnavailable`` from every call: the default of a
    /// host written for PluginAPI 2.2, which had none.
    public var crypto: any PluginCrypto { MissingHostService() }

    /// Returns at once: the default of a host written for PluginAPI 2.3, which did not track its
    /// traffic (and of test hosts, where nothing competes).
    public func yieldToTraffic(upTo maximum: Duration) async {}
}

/// What a host written for an older PluginAPI offers for the services it does not implement.
struct MissingHostService: PluginHTTPClient, PluginSocketConnector, PluginCrypto {
    func send(_ request: PluginHTTPRequest) async throws -> PluginHTTPResponse {
        throw PluginHTTPError.connectionFailed("this host does not offer outbound HTTP")
    }

    func withConnection<Result: Sendable>(to address: PluginSocketAddress, timeouts: PluginSocketTimeouts,
                                          _ body: (any PluginSocket) async throws -> Result) async throws -> Result {
        throw PluginSocketError.connectionFailed("this host does not offer sockets")
    }

    func hmacSHA256(key: Data, message: Data) throws -> Data { throw PluginCryptoUnavailable() }
    func sha256(_ data: Data) throws -> Data { throw PluginCryptoUnavailable() }
    func randomBytes(_ count: Int) throws -> Data { throw PluginCryptoUnavailable() }
}

/// An event a plugin publishes.
public struct PluginEvent: Sendable, Equatable {
    /// Event name, namespaced by convention: `<plugin-id>.<name>`.
    public var name: String
    /// Site the event concerns, if any.
    public var siteID: String?
    /// Free-form attributes.
    public var attributes: [String: String]

    /// An event; keep attributes small (they travel to every subscriber).
    public init(name: String, siteID: String? = nil, attributes: [String: String] = [:]) {
        self.name = name
        self.siteID = siteID
        self.attributes = attributes
    }
}
