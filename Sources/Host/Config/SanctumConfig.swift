import Foundation
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
        public var authFailures: RateBudget?
        enum CodingKeys: String, CodingKey {
            case enabled, messages, responses, inbox, outbox, sessions, authFailures = "auth_failures"
        }

        public init(enabled: Bool? = nil) { self.enabled = enabled }

        var budgets: [RateLimitedEndpoint: RateBudget] {
            var result: [RateLimitedEndpoint: RateBudget] = [:]
            result[.messages] = messages
            result[.responses] = responses
            result[.inbox] = inbox
            result[.outbox] = outbox
            result[.sessions] = sessions
            result[.authFailures] = authFailures
            return result
        }
    }

    /// Keys from the file (prefer the environment).
    public struct Keys: Sendable, Decodable {
        public var apiKey: String?
        public var adminKey: String?
        public var widgetKey: String?
        enum CodingKeys: String, CodingKey { case apiKey = "api_key", adminKey = "admin_key", widgetKey = "widget_key" }
    }

    public var server: Server?
    public var limits: Limits?
    public var rateLimits: RateLimits?
    public var keys: Keys?
    enum CodingKeys: String, CodingKey { case server, limits, rateLimits = "rate_limits", keys }

    public init() {}

    /// Loads and validates the file at `path`; errors name the offending key path.
    public static func load(path: String) throws -> SanctumConfig {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do {
            let decoder = YAMLDecoder()
            return try decoder.decode(SanctumConfig.self, from: text)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigError(description: "\(path.isEmpty ? "config" : path): \(context.debugDescription)")
        }
    }
}

/// A configuration file that cannot be used, with the key path at fault.
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
}
