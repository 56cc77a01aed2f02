import Foundation
import PluginAPI

extension Analytics {
    /// The `plugins.analytics` section of the config file: keys in snake_case, each optional.
    public struct Configuration: PluginConfiguration {
        /// Days the hourly rollups and the per-conversation records are kept.
        public var retentionDays = 400
        /// Minutes of quiet after an agent reply after which a visitor message reopens the
        /// conversation, for sites that do not set their own.
        public var reopenAfterMinutes = 30.0
        /// Per-site settings: the time zone reports are shown in and the reopening quiet time.
        public var sites: [SiteSettings] = []
        /// Widget beacons accepted per site and minute; more are answered `429` and not counted.
        public var beaconsPerMinute = 600
        /// Widget beacons accepted per client address and minute (counted under a keyed hash of
        /// the address, never the address itself); more are answered `429`.
        public var beaconsPerIPPerMinute = 30
        /// Seconds between the widget module's batched sends (also sent when the page is hidden).
        public var flushSeconds = 10

        /// The defaults: UTC for every site, 30 minutes of quiet, 400 days kept.
        public init() {}

        /// The defaults with these per-site settings.
        public init(sites: [SiteSettings]) { self.sites = sites }

        /// The settings of `site` (UTC and the default quiet time when it is not listed).
        func settings(for site: String) -> SiteSettings {
            sites.first { $0.site == site } ?? SiteSettings(site: site)
        }

        /// The quiet time of `site` in seconds.
        func reopenAfterSeconds(for site: String) -> Double {
            (settings(for: site).reopenAfterMinutes ?? reopenAfterMinutes) * 60
        }

        /// The time zone of `site`.
        func timeZone(for site: String) -> TimeZone {
            TimeZone(identifier: settings(for: site).timeZone) ?? TimeZone(identifier: "UTC")!
        }
    }

    /// One site's analytics settings.
    public struct SiteSettings: Codable, Sendable, Equatable {
        /// The site (its `id` in `sites:`).
        public var site: String
        /// An IANA time zone name (`Europe/Berlin`): days and bucket labels of reports and CSVs.
        public var timeZone: String
        /// The site's own reopening quiet time; `nil` uses the plugin's `reopen_after_minutes`.
        public var reopenAfterMinutes: Double?
        /// The share of page views (0 to 1) whose widget sends beacons, decided once per page.
        public var sampleRate: Double
        /// Send nothing from browsers with Do-Not-Track or Global Privacy Control on.
        public var respectDNT: Bool
        /// Count bubble views of visitors who never interact (else nothing is sent before the visitor opens the chat).
        public var countBubbleViews: Bool

        /// Settings for `site`.
        public init(site: String, timeZone: String = "UTC", reopenAfterMinutes: Double? = nil, sampleRate: Double = 1,
                    respectDNT: Bool = true, countBubbleViews: Bool = false) {
            self.site = site
            self.timeZone = timeZone
            self.reopenAfterMinutes = reopenAfterMinutes
            self.sampleRate = sampleRate
            self.respectDNT = respectDNT
            self.countBubbleViews = countBubbleViews
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// Decodes settings whose `time_zone` and `reopen_after_minutes` may be left out. Keys are
        /// read as the file spells them (`time_zone`) or converted (`timeZone`): the host converts
        /// the keys of mappings but not of mappings inside lists.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            func key(_ snake: String, _ camel: String) -> Key {
                container.contains(Key(stringValue: snake)) ? Key(stringValue: snake) : Key(stringValue: camel)
            }
            site = try container.decode(String.self, forKey: Key(stringValue: "site"))
            timeZone = try container.decodeIfPresent(String.self, forKey: key("time_zone", "timeZone")) ?? "UTC"
            reopenAfterMinutes = try container.decodeIfPresent(Double.self, forKey: key("reopen_after_minutes", "reopenAfterMinutes"))
            sampleRate = try container.decodeIfPresent(Double.self, forKey: key("sample_rate", "sampleRate")) ?? 1
            respectDNT = try container.decodeIfPresent(Bool.self, forKey: key("respect_dnt", "respectDnt")) ?? true
            countBubbleViews = try container.decodeIfPresent(Bool.self, forKey: key("count_bubble_views", "countBubbleViews")) ?? false
        }

        /// Encodes the settings with the file's snake_case keys.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(site, forKey: Key(stringValue: "site"))
            try container.encode(timeZone, forKey: Key(stringValue: "time_zone"))
            try container.encodeIfPresent(reopenAfterMinutes, forKey: Key(stringValue: "reopen_after_minutes"))
            try container.encode(sampleRate, forKey: Key(stringValue: "sample_rate"))
            try container.encode(respectDNT, forKey: Key(stringValue: "respect_dnt"))
            try container.encode(countBubbleViews, forKey: Key(stringValue: "count_bubble_views"))
        }
    }

    /// Thrown at startup for a configuration that cannot work; says which key.
    public struct InvalidConfiguration: Error, CustomStringConvertible {
        /// The key path and what is wrong with it.
        public var description: String
    }

    /// Checks what decoding cannot: time zone names and positive durations.
    static func validate(_ configuration: Configuration) throws {
        guard configuration.retentionDays > 0 else {
            throw InvalidConfiguration(description: "plugins.analytics.retention_days must be positive")
        }
        guard configuration.reopenAfterMinutes > 0 else {
            throw InvalidConfiguration(description: "plugins.analytics.reopen_after_minutes must be positive")
        }
        guard configuration.beaconsPerMinute > 0 else {
            throw InvalidConfiguration(description: "plugins.analytics.beacons_per_minute must be positive")
        }
        guard configuration.beaconsPerIPPerMinute > 0 else {
            throw InvalidConfiguration(description: "plugins.analytics.beacons_per_ip_per_minute must be positive")
        }
        guard (1...3600).contains(configuration.flushSeconds) else {
            throw InvalidConfiguration(description: "plugins.analytics.flush_seconds must be between 1 and 3600")
        }
        for (index, site) in configuration.sites.enumerated() {
            let key = "plugins.analytics.sites[\(index)]"
            guard TimeZone(identifier: site.timeZone) != nil else {
                throw InvalidConfiguration(description: "\(key).time_zone must be an IANA time zone name, found \"\(site.timeZone)\"")
            }
            if let minutes = site.reopenAfterMinutes, !(minutes > 0) {
                throw InvalidConfiguration(description: "\(key).reopen_after_minutes must be positive")
            }
            guard (0...1).contains(site.sampleRate) else {
                throw InvalidConfiguration(description: "\(key).sample_rate must be between 0 and 1")
            }
        }
    }
}
