import NIOCore

/// Limits on client connections (the `connections` section of the config file,
/// docs/configuration.md): how long a connection may stay silent, send a request head or
/// trickle a body, and how many one address may hold open at once.
public struct ConnectionLimits: Sendable {
    /// How long a connection may wait for its next request before it is closed.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// How long a request head may take, from its first byte to its blank line.
    public var headerTimeout: TimeAmount = .seconds(10)
    /// Bytes per second a request body must average once `bodyGrace` is over.
    public var minBodyRate = 240
    /// How long a request body may take before `minBodyRate` counts.
    public var bodyGrace: TimeAmount = .seconds(10)
    /// Concurrent connections (HTTP and WebSocket) per client IP.
    public var maxPerIP = 128
    /// Peers the per-IP cap never applies to, besides the trusted proxies (a reverse proxy
    /// carries many clients on its connections).
    public var exemptIPs: Set<String> = ["127.0.0.1", "::1"]

    /// The defaults.
    public init() {}
}
