import Foundation

/// A site (tenant) as plugins see it.
public struct SiteInfo: Sendable, Hashable {
    /// Stable id from the config file (`default` for the legacy single site).
    public var id: String
    /// Pricing tier (`free`, `premium`, `enterprise`, …).
    public var tier: String
    /// Origins allowed to embed the widget and call the public API; empty means "any".
    /// Entries are `scheme://host[:port]`, the host may start with `*.` for subdomains.
    public var allowedOrigins: [String]
    /// Branding and other site settings, as strings.
    public var settings: [String: String]

    /// A site; the host builds these from the config file, tests build their own.
    public init(id: String, tier: String, allowedOrigins: [String] = [], settings: [String: String] = [:]) {
        self.id = id
        self.tier = tier
        self.allowedOrigins = allowedOrigins
        self.settings = settings
    }
}
