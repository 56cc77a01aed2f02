import Foundation
import PluginAPI

extension Notifications {
    /// The `plugins.notifications` section of the config file: keys in snake_case, each optional.
    public struct Configuration: PluginConfiguration {
        /// The operators' receivers: each belongs to one site and has its own secret.
        public var webhooks: [Webhook] = []
        /// Deliveries in flight to one endpoint at once (one per conversation).
        public var maxInFlight = 8
        /// Limit of one attempt: connecting, sending and reading the answer.
        public var timeoutSeconds = 10
        /// Wait before the first retry; doubled after every failure (with jitter).
        public var firstRetrySeconds = 5.0
        /// Longest wait between two attempts.
        public var maxRetryIntervalSeconds = 3600.0
        /// A delivery still failing this long after it was queued is dead-lettered.
        public var retryForHours = 24.0
        /// Consecutive failures that open an endpoint's breaker.
        public var breakerFailures = 5
        /// How long an open breaker holds an endpoint's deliveries before one probe.
        public var breakerCooldownSeconds = 30.0
        /// Days the attempt log of a finished (delivered or dead) delivery is kept.
        public var logRetentionDays = 7
        /// What the widget module does for visitors of every site (sound, title count, browser
        /// notifications).
        public var visitor = VisitorAlerts()
        /// Per-site changes to ``visitor``.
        public var visitorSites: [SiteVisitorAlerts] = []

        /// The defaults: no webhooks.
        public init() {}

        /// The defaults with these webhooks.
        public init(webhooks: [Webhook]) { self.webhooks = webhooks }
    }

    /// One receiver: where a site's events go and the secret that signs them.
    public struct Webhook: Codable, Sendable, Equatable {
        /// The site (its `id` in `sites:`) whose events this endpoint receives.
        public var site: String
        /// An `http` or `https` URL; loopback and private addresses need `outbound.allow_private`
        /// or the host in `outbound.allowed_hosts`.
        public var url: String
        /// The shared secret of the `Sanctum-Signature` HMAC (at least 16 characters).
        public var secret: String
        /// Event types to send (`message.created`, `link-guard.*`, `*`); empty: every type.
        public var events: [String]
        /// Old secrets during a rotation: each also signs (a second `v1=`) until its `until`.
        public var previousSecrets: [RetiringSecret]

        /// A receiver of `site`'s events.
        public init(site: String, url: String, secret: String, events: [String] = [], previousSecrets: [RetiringSecret] = []) {
            self.site = site
            self.url = url
            self.secret = secret
            self.events = events
            self.previousSecrets = previousSecrets
        }

        private enum CodingKeys: String, CodingKey { case site, url, secret, events, previousSecrets = "previous_secrets" }

        /// Decodes a webhook whose `events` may be left out.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            site = try container.decode(String.self, forKey: .site)
            url = try container.decode(String.self, forKey: .url)
            secret = try container.decode(String.self, forKey: .secret)
            events = try container.decodeIfPresent([String].self, forKey: .events) ?? []
            previousSecrets = try container.decodeIfPresent([RetiringSecret].self, forKey: .previousSecrets) ?? []
        }

        /// The secrets that sign at `now`: the current one first, then old ones whose overlap runs.
        func signingSecrets(at now: Date) -> [String] {
            [secret] + previousSecrets.filter { ($0.end.map { now < $0 }) ?? false }.map(\.secret)
        }

        /// Whether events of `type` go to this endpoint.
        func wants(_ type: String) -> Bool {
            events.isEmpty || events.contains { pattern in
                pattern == "*" || pattern == type || (pattern.hasSuffix(".*") && type.hasPrefix(pattern.dropLast()))
            }
        }
    }

    /// An old webhook secret that still signs until `until` (RFC 3339), so a receiver can switch
    /// to the new secret without missing a delivery.
    public struct RetiringSecret: Codable, Sendable, Equatable {
        /// The old secret.
        public var secret: String
        /// The end of the overlap, RFC 3339 (`2026-12-03T12:00:00Z`).
        public var until: String

        /// An old `secret` that signs until `until`.
        public init(secret: String, until: String) {
            self.secret = secret
            self.until = until
        }

        /// `until` as an instant; `nil` when it is not RFC 3339 (validation refuses that).
        var end: Date? {
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return ISO8601DateFormatter().date(from: until) ?? fractional.date(from: until)
        }
    }

    /// Thrown at startup for a configuration that cannot work; says which key.
    public struct InvalidConfiguration: Error, CustomStringConvertible {
        /// The key path and what is wrong with it.
        public var description: String
    }

    /// Checks what decoding cannot: URLs, secrets and positive limits.
    static func validate(_ configuration: Configuration) throws {
        try validateVisitor(configuration)
        for (index, webhook) in configuration.webhooks.enumerated() {
            let key = "plugins.notifications.webhooks[\(index)]"
            guard let url = URL(string: webhook.url), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw InvalidConfiguration(description: "\(key).url must be an http or https URL, found \"\(webhook.url)\"")
            }
            guard webhook.secret.utf8.count >= 16 else {
                throw InvalidConfiguration(description: "\(key).secret must have at least 16 characters")
            }
            for (position, old) in webhook.previousSecrets.enumerated() {
                guard old.secret.utf8.count >= 16 else {
                    throw InvalidConfiguration(description: "\(key).previous_secrets[\(position)].secret must have at least 16 characters")
                }
                guard old.end != nil else {
                    throw InvalidConfiguration(description: "\(key).previous_secrets[\(position)].until must be an RFC 3339 time such as 2026-12-03T12:00:00Z")
                }
            }
        }
        let limits: [(String, Double)] = [
            ("max_in_flight", Double(configuration.maxInFlight)), ("timeout_seconds", Double(configuration.timeoutSeconds)),
            ("first_retry_seconds", configuration.firstRetrySeconds), ("max_retry_interval_seconds", configuration.maxRetryIntervalSeconds),
            ("retry_for_hours", configuration.retryForHours), ("breaker_failures", Double(configuration.breakerFailures)),
            ("breaker_cooldown_seconds", configuration.breakerCooldownSeconds), ("log_retention_days", Double(configuration.logRetentionDays)),
        ]
        for (key, value) in limits where !(value > 0) {
            throw InvalidConfiguration(description: "plugins.notifications.\(key) must be positive")
        }
    }
}
