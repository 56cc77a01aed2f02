import Foundation

/// An HTTP request a plugin sends through ``PluginHost/http``. Since PluginAPI 2.2.
///
/// The host sends it once: redirects are not followed (a `3xx` comes back as the response), and
/// only `http` and `https` URLs whose host resolves to an address the server's `outbound` rules
/// allow are reached (loopback and private networks are refused unless the operator allows them).
public struct PluginHTTPRequest: Sendable, Equatable {
    /// `GET`, `POST`, … (sent uppercase).
    public var method: String
    /// An absolute `http` or `https` URL.
    public var url: URL
    /// Request headers; `host` and `content-length` are set by the host.
    public var headers: [String: String]
    /// The request body (empty: none).
    public var body: Data
    /// The longest the whole exchange (connect, send, response head and body) may take; the host
    /// shortens it to its own maximum (`outbound.max_timeout_seconds`, 60 s by default).
    public var timeout: Duration
    /// The largest response body accepted: a longer one fails with
    /// ``PluginHTTPError/bodyTooLarge(limit:)`` (read no further than the limit).
    public var maxResponseBytes: Int

    /// The timeout of a request that does not set one: 10 seconds.
    public static let defaultTimeout: Duration = .seconds(10)
    /// The response cap of a request that does not set one: 1 MiB.
    public static let defaultMaxResponseBytes = 1 << 20

    /// A request; `GET` with no body, ``defaultTimeout`` and ``defaultMaxResponseBytes`` unless given.
    public init(method: String = "GET", url: URL, headers: [String: String] = [:], body: Data = Data(),
                timeout: Duration = PluginHTTPRequest.defaultTimeout, maxResponseBytes: Int = PluginHTTPRequest.defaultMaxResponseBytes) {
        self.method = method.uppercased()
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }
}

/// The answer to a ``PluginHTTPRequest``: whatever status the server sent (including `3xx` and
/// errors: only failures to get an answer throw), with header names lowercased (a repeated
/// header's values joined with `, `) and the body within the request's
/// ``PluginHTTPRequest/maxResponseBytes``. The same value type as a route's answer, so a plugin
/// can hand it on as is. Since PluginAPI 2.2.
public typealias PluginHTTPResponse = PluginResponse

/// The host's outbound HTTP client, ``PluginHost/http``. Needs the
/// ``PluginCapability/outboundHTTP`` capability: without it ``send(_:)`` throws
/// ``CapabilityNotDeclared``. Since PluginAPI 2.2.
///
/// The server keeps one client (and its connection pool) for all plugins, so a plugin never
/// creates its own. Calls may run concurrently; limiting how many are in flight per endpoint is
/// the plugin's business.
public protocol PluginHTTPClient: Sendable {
    /// Sends `request` and returns the response, or throws ``PluginHTTPError`` (or
    /// ``CapabilityNotDeclared``, or `CancellationError` when the calling task is cancelled).
    func send(_ request: PluginHTTPRequest) async throws -> PluginHTTPResponse
}

/// Why an outbound HTTP request got no response. New cases may arrive in a minor version:
/// switch over it with a `default`. Since PluginAPI 2.2.
public enum PluginHTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL (shown) is not an absolute `http` or `https` URL with a host.
    case invalidURL(String)
    /// The host (first) resolved to an address (second) the server's `outbound` rules refuse:
    /// loopback, private, link-local, shared (CGNAT), multicast or unspecified, unless allowed.
    case refusedAddress(host: String, address: String)
    /// No complete response within the request's timeout (shown, after the host's maximum).
    case timeout(Duration)
    /// The response body is longer than the request's limit (shown, in bytes).
    case bodyTooLarge(limit: Int)
    /// The connection could not be made or broke (the reason, in words).
    case connectionFailed(String)

    /// The reason in one line, for logs.
    public var description: String {
        switch self {
        case .invalidURL(let url): "not an absolute http(s) URL: \(url.prefix(200))"
        case .refusedAddress(let host, let address): "\(host) resolves to \(address), which outbound requests may not reach"
        case .timeout(let limit): "no complete response within \(limit)"
        case .bodyTooLarge(let limit): "the response body is longer than \(limit) bytes"
        case .connectionFailed(let reason): "connection failed: \(reason)"
        }
    }
}
