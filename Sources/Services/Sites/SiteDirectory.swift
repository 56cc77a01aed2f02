import Foundation
import PluginAPI
import Synchronization

/// A site (tenant) as the host runs it.
public struct Site: Sendable {
    /// What plugins see.
    public let info: SiteInfo
    /// The public widget key, if the site has one.
    public let widgetKey: String?
    /// Ids of the activated plugins the site's tier enables, in hook order.
    public let plugins: [String]

    /// The site id.
    public var id: String { info.id }

    /// A site with its plugin view, widget key and enabled plugins (in hook order).
    public init(info: SiteInfo, widgetKey: String?, plugins: [String]) {
        self.info = info
        self.widgetKey = widgetKey
        self.plugins = plugins
    }
}

/// All sites: lookup by id, by public widget key and by secret agent key.
///
/// The default site is the legacy single site of the bridge API: requests without a widget key
/// and the legacy `api_key` belong to it. An unknown widget key also maps to it — the original
/// widget sent any string as `apiKey`, and those pages must keep working.
public final class SiteDirectory: Sendable {
    /// Id shape of configured sites.
    package static let idPattern = try! NSRegularExpression(pattern: "^[a-z0-9][a-z0-9_-]{0,62}$")

    public let defaultSite: Site
    private let byID: [String: Site]
    private let byWidgetKey: [String: Site]
    private let agentKeyHashes: Mutex<[String: String]>

    package init(defaultSite: Site, others: [Site], agentKeyHashes: [String: String]) {
        self.defaultSite = defaultSite
        var byID = [defaultSite.id: defaultSite]
        for site in others { byID[site.id] = site }
        self.byID = byID
        self.byWidgetKey = Dictionary(byID.values.compactMap { site in site.widgetKey.map { ($0, site) } }, uniquingKeysWith: { a, _ in a })
        self.agentKeyHashes = Mutex(agentKeyHashes)
    }

    /// Every site, default first, then by id.
    public var all: [Site] { [defaultSite] + byID.values.filter { $0.id != defaultSiteID }.sorted { $0.id < $1.id } }

    /// The site with this id.
    public func site(id: String) -> Site? { byID[id] }

    /// The site whose widget key this is; the default site for `nil` or an unknown key.
    public func site(widgetKey: String?) -> Site {
        widgetKey.flatMap { byWidgetKey[$0] } ?? defaultSite
    }

    /// The configured (non-default) site whose agent key this is, compared in constant time.
    public func site(agentKey: String) -> Site? {
        let hashes = agentKeyHashes.withLock { $0 }
        var match: Site?
        for (id, hash) in hashes where Secrets.verify(agentKey, against: hash) { match = byID[id] }
        return match
    }
}
