import Foundation
import PluginAPI
import SanctumServices
import Yams

/// The YAML configuration file. Every key is optional; `sanctum serve` with no file at all
/// runs a working single-site server on SQLite.
///
/// ```yaml
/// server: { host: 127.0.0.1, port: 8080, database: sqlite:data/sanctum.db, trusted_proxies: [127.0.0.1] }
/// limits: { max_body_bytes: 1048576, max_reply_length: 100000 }
/// rate_limits: { enabled: true, messages: { burst: 120, per_second: 2 } }
/// ```
/// Secrets belong in the environment (`SANCTUM_API_KEY`, `SANCTUM_ADMIN_KEY`), not in this file.
public struct SanctumConfig: Sendable, Decodable {
    /// Listener and database.
    public struct Server: Sendable, Decodable {
        public var host: String?
        public var port: Int?
        /// A path, optionally prefixed `sqlite:`.
        public var database: String?
        /// Peers whose `X-Forwarded-For` is believed.
        public var trustedProxies: [String]?
        enum CodingKeys: String, CodingKey { case host, port, database, trustedProxies = "trusted_proxies" }

        public init(host: String? = nil, port: Int? = nil, database: String? = nil, trustedProxies: [String]? = nil) {
            self.host = host
            self.port = port
            self.database = database
            self.trustedProxies = trustedProxies
        }
    }

    /// Size limits.
    public struct Limits: Sendable, Decodable {
        /// Largest accepted request body.
        public var maxBodyBytes: Int?
        /// Longest agent reply, in code points.
        public var maxReplyLength: Int?
        enum CodingKeys: String, CodingKey { case maxBodyBytes = "max_body_bytes", maxReplyLength = "max_reply_length" }
    }

    /// Rate limits: `enabled` plus per-endpoint budgets.
    public struct RateLimits: Sendable, Decodable {
        public var enabled: Bool?
        public var messages: RateBudget?
        public var responses: RateBudget?
        public var inbox: RateBudget?
        public var outbox: RateBudget?
        public var sessions: RateBudget?
        public var typing: RateBudget?
        public var authFailures: RateBudget?
        enum CodingKeys: String, CodingKey {
            case enabled, messages, responses, inbox, outbox, sessions, typing, authFailures = "auth_failures"
        }

        public init(enabled: Bool? = nil) { self.enabled = enabled }

        var budgets: [RateLimitedEndpoint: RateBudget] {
            var result: [RateLimitedEndpoint: RateBudget] = [:]
            result[.messages] = messages
            result[.responses] = responses
            result[.inbox] = inbox
            result[.outbox] = outbox
            result[.sessions] = sessions
            result[.typing] = typing
            result[.authFailures] = authFailures
            return result
        }
    }

    /// Keys from the file (prefer the environment).
    public struct Keys: Sendable, Decodable {
        public var apiKey: String?
        public var adminKey: String?
        public var widgetKey: String?
        /// Old API keys still accepted during a rotation (`{key | hash, until}`).
        public var previousAPIKeys: [RetiringKey]?
        /// Old admin keys still accepted during a rotation (`{key | hash, until}`).
        public var previousAdminKeys: [RetiringKey]?
        enum CodingKeys: String, CodingKey {
            case apiKey = "api_key", adminKey = "admin_key", widgetKey = "widget_key"
            case previousAPIKeys = "previous_api_keys", previousAdminKeys = "previous_admin_keys"
        }
    }

    /// A tier: the plugins it enables, in hook order.
    public struct Tier: Sendable, Decodable {
        public var plugins: [String]
        public init(plugins: [String]) { self.plugins = plugins }
    }

    /// A site (tenant). Its agent key is a secret: it comes from the environment
    /// (`SANCTUM_SITE_<ID>_AGENT_KEY`) or is generated on first start, and is stored hashed.
    public struct Site: Sendable, Decodable {
        public var id: String
        public var tier: String?
        /// The public widget key (`pk_…`) the site's widget sends; public, not a secret.
        public var widgetKey: String?
        /// Origins allowed to embed the widget and call the public API (`domain-allowlist`).
        public var allowedOrigins: [String]?
        /// Branding and other settings handed to plugins and the widget.
        public var branding: [String: String]?
        /// Conversations inactive for more days than this are erased (docs/privacy.md); `nil`: kept.
        public var retentionDays: Int?
        /// Identity verification: the secret the site's server signs users with, and strict mode.
        public var identity: Identity?
        /// Old widget keys still accepted during a rotation (`{key, until}`).
        public var previousWidgetKeys: [RetiringKey]?
        /// Old agent keys still accepted during a rotation (`{key | hash, until}`).
        public var previousAgentKeys: [RetiringKey]?

        enum CodingKeys: String, CodingKey {
            case id, tier, widgetKey = "widget_key", allowedOrigins = "allowed_origins", branding, retentionDays = "retention_days", identity
            case previousWidgetKeys = "previous_widget_keys", previousAgentKeys = "previous_agent_keys"
        }

        /// `id` may be left out (empty): the default site's is always `default`; every entry of
        /// `sites` must have one (``SiteDirectory`` says so with the key path).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
            tier = try c.decodeIfPresent(String.self, forKey: .tier)
            widgetKey = try c.decodeIfPresent(String.self, forKey: .widgetKey)
            allowedOrigins = try c.decodeIfPresent([String].self, forKey: .allowedOrigins)
            branding = try c.decodeIfPresent([String: String].self, forKey: .branding)
            retentionDays = try c.decodeIfPresent(Int.self, forKey: .retentionDays)
            identity = try c.decodeIfPresent(Identity.self, forKey: .identity)
            previousWidgetKeys = try c.decodeIfPresent([RetiringKey].self, forKey: .previousWidgetKeys)
            previousAgentKeys = try c.decodeIfPresent([RetiringKey].self, forKey: .previousAgentKeys)
        }

        public init(id: String, tier: String? = nil, widgetKey: String? = nil, allowedOrigins: [String]? = nil, branding: [String: String]? = nil) {
            self.id = id
            self.tier = tier
            self.widgetKey = widgetKey
            self.allowedOrigins = allowedOrigins
            self.branding = branding
        }
    }

    /// A site's identity verification (docs/identity.md). The secret may come from the
    /// environment instead (`SANCTUM_SITE_<ID>_IDENTITY_SECRET`); there is no default.
    public struct Identity: Sendable, Decodable {
        /// The current identity secret (at least 32 characters).
        public var secret: String?
        /// Old identity secrets still accepted during a rotation (`{key, until}`).
        public var previousSecrets: [RetiringKey]?
        /// Refuse anonymous (unverified) visitors.
        public var strict: Bool?
        enum CodingKeys: String, CodingKey { case secret, previousSecrets = "previous_secrets", strict }

        /// Settings with every field given.
        public init(secret: String? = nil, previousSecrets: [RetiringKey]? = nil, strict: Bool? = nil) {
            self.secret = secret
            self.previousSecrets = previousSecrets
            self.strict = strict
        }
    }

    /// An old secret of a rotation: the key itself, or (for agent keys) its stored hash, and the
    /// RFC 3339 instant its overlap ends.
    public struct RetiringKey: Sendable, Decodable {
        /// The old key or secret in plain text.
        public var key: String?
        /// The old key's stored hash (`sha256$…`, as `sanctum keys` prints it), for agent keys.
        public var hash: String?
        /// When the old secret stops being accepted (RFC 3339, e.g. `2026-12-03T12:00:00Z`).
        public var until: String

        /// An old `key` (or `hash`) valid until `until`.
        public init(key: String? = nil, hash: String? = nil, until: String) {
            self.key = key
            self.hash = hash
            self.until = until
        }
    }

    /// The real-time channel.
    public struct Realtime: Sendable, Decodable {
        /// Concurrent visitor stream connections per client IP (default 50).
        public var maxConnectionsPerIP: Int?
        /// Concurrent agent and console stream connections per client IP (default 50).
        public var maxAgentConnectionsPerIP: Int?
        /// Days events are kept for replay (default 7).
        public var eventRetentionDays: Double?
        /// Seconds between stream pings (default 20).
        public var pingIntervalSeconds: Int?
        enum CodingKeys: String, CodingKey {
            case maxConnectionsPerIP = "max_connections_per_ip", maxAgentConnectionsPerIP = "max_agent_connections_per_ip"
            case eventRetentionDays = "event_retention_days", pingIntervalSeconds = "ping_interval_seconds"
        }
    }

    /// Client connections: timeouts and the per-IP cap (`ConnectionLimits` has the defaults).
    public struct Connections: Sendable, Decodable {
        /// Seconds a connection may wait for its next request.
        public var idleTimeout: Double?
        /// Seconds from the first byte of a request head to its end.
        public var headerTimeout: Double?
        /// Bytes per second a request body must average after `bodyGrace`.
        public var minBodyRate: Int?
        /// Seconds a request body may take before the rate counts.
        public var bodyGrace: Double?
        /// Concurrent connections per client IP.
        public var maxPerIP: Int?
        /// Peers never capped (trusted proxies never are either).
        public var exemptIPs: [String]?
        enum CodingKeys: String, CodingKey {
            case idleTimeout = "idle_timeout", headerTimeout = "header_timeout", minBodyRate = "min_body_rate"
            case bodyGrace = "body_grace", maxPerIP = "max_per_ip", exemptIPs = "exempt_ips"
        }

        public init(idleTimeout: Double? = nil, headerTimeout: Double? = nil, minBodyRate: Int? = nil, bodyGrace: Double? = nil,
                    maxPerIP: Int? = nil, exemptIPs: [String]? = nil) {
            self.idleTimeout = idleTimeout
            self.headerTimeout = headerTimeout
            self.minBodyRate = minBodyRate
            self.bodyGrace = bodyGrace
            self.maxPerIP = maxPerIP
            self.exemptIPs = exemptIPs
        }
    }

    /// Where plugins' outbound HTTP requests and socket connections may go.
    public struct Outbound: Sendable, Decodable {
        /// Let plugins reach loopback, private, link-local and other special-purpose addresses
        /// (default `false`).
        public var allowPrivate: Bool?
        /// Hosts that may resolve to such addresses anyway (`localhost`, `10.0.0.5`, `scanner.internal`).
        public var allowedHosts: [String]?
        /// Unix socket paths plugins may connect to (none by default).
        public var unixSockets: [String]?
        /// The longest timeout a plugin may ask for, in seconds (default 60).
        public var maxTimeoutSeconds: Double?
        /// The connect timeout of outbound HTTP, in seconds (default 5).
        public var connectTimeoutSeconds: Double?
        enum CodingKeys: String, CodingKey {
            case allowPrivate = "allow_private", allowedHosts = "allowed_hosts", unixSockets = "unix_sockets"
            case maxTimeoutSeconds = "max_timeout_seconds", connectTimeoutSeconds = "connect_timeout_seconds"
        }

        public init(allowPrivate: Bool? = nil, allowedHosts: [String]? = nil, unixSockets: [String]? = nil,
                    maxTimeoutSeconds: Double? = nil, connectTimeoutSeconds: Double? = nil) {
            self.allowPrivate = allowPrivate
            self.allowedHosts = allowedHosts
            self.unixSockets = unixSockets
            self.maxTimeoutSeconds = maxTimeoutSeconds
            self.connectTimeoutSeconds = connectTimeoutSeconds
        }
    }

    public var server: Server?
    public var realtime: Realtime?
    /// Plugins' outbound HTTP and sockets: which addresses they may reach, and the timeouts.
    public var outbound: Outbound?
    /// Client connections: timeouts and the per-IP cap.
    public var connections: Connections?
    /// Tiers by name.
    public var tiers: [String: Tier]?
    /// Sites besides the default one.
    public var sites: [Site]?
    /// Settings of the default (legacy) site; its `id` is always `default` (leave it out).
    public var defaultSite: Site?
    /// The file's text, for plugin sections (each plugin decodes its own `plugins.<id>` node).
    public var text: String?
    public var limits: Limits?
    public var rateLimits: RateLimits?
    public var keys: Keys?
    enum CodingKeys: String, CodingKey {
        case server, limits, rateLimits = "rate_limits", keys, tiers, sites, defaultSite = "default_site", realtime, connections, outbound
    }

    public init() {}

    /// Loads and validates the file at `path`; errors name the offending key path.
    public static func load(path: String) throws -> SanctumConfig {
        try parse(yaml: try String(contentsOfFile: path, encoding: .utf8))
    }

    /// Parses and validates a configuration; errors name the offending key path, the expected
    /// type and what was found (``ConfigDecoding``).
    public static func parse(yaml text: String) throws -> SanctumConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(description: "invalid YAML: \(error)")
        }
        var config = try root.map { try ConfigDecoding.decode(SanctumConfig.self, from: $0) } ?? SanctumConfig()
        config.text = text
        return config
    }
}

extension SanctumConfig {
    /// Decodes the plugin's section `plugins.<id>` into `type`; a missing section decodes from an
    /// empty mapping (so plugins without required keys need no section). A ``PluginConfiguration``
    /// gets snake_case keys and its defaults (``ConfigDecoding/decodePluginConfiguration(_:from:prefix:)``).
    func pluginConfiguration<T: Decodable>(_ type: T.Type, id: String) throws -> T {
        let root = try text.flatMap { try Yams.compose(yaml: $0) }
        let node = root?["plugins"]?[id] ?? Node.mapping(Node.Mapping([]))
        if let withDefaults = type as? any PluginConfiguration.Type {
            return try Self.decodeWithDefaults(withDefaults, from: node, id: id) as! T
        }
        return try ConfigDecoding.decode(type, from: node, prefix: ["plugins", id])
    }

    private static func decodeWithDefaults<C: PluginConfiguration>(_ type: C.Type, from node: Node, id: String) throws -> C {
        try ConfigDecoding.decodePluginConfiguration(type, from: node, prefix: ["plugins", id])
    }
}

/// A configuration file that cannot be used, with the key path at fault.
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
}
