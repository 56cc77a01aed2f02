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
    /// Identity verification (`nil`: the site has no identity secret; every visitor is anonymous).
    public let identity: IdentitySettings?
    /// Old widget keys still accepted during a rotation, each until its end.
    public let previousWidgetKeys: [RetiringSecret<String>]

    /// The site id.
    public var id: String { info.id }

    /// A site with its plugin view, widget key, enabled plugins (in hook order), identity
    /// settings and widget keys being retired.
    public init(info: SiteInfo, widgetKey: String?, plugins: [String], identity: IdentitySettings? = nil,
                previousWidgetKeys: [RetiringSecret<String>] = []) {
        self.info = info
        self.widgetKey = widgetKey
        self.plugins = plugins
        self.identity = identity
        self.previousWidgetKeys = previousWidgetKeys
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
    private let retiringWidgetKeys: [String: (site: Site, until: Date)]
    private let agentKeyHashes: Mutex<[String: String]>
    private let retiringAgentKeys: [String: [RetiringSecret<String>]]
    private let clock: @Sendable () -> Date

    /// `retiringAgentKeys` are old agent keys (stored hashes) of sites, each valid until its end
    /// by `clock`, as are the sites' ``Site/previousWidgetKeys``.
    package init(defaultSite: Site, others: [Site], agentKeyHashes: [String: String],
                 retiringAgentKeys: [String: [RetiringSecret<String>]] = [:], clock: @escaping @Sendable () -> Date = { Date() }) {
        self.defaultSite = defaultSite
        var byID = [defaultSite.id: defaultSite]
        for site in others { byID[site.id] = site }
        self.byID = byID
        self.byWidgetKey = Dictionary(byID.values.compactMap { site in site.widgetKey.map { ($0, site) } }, uniquingKeysWith: { a, _ in a })
        var retiring: [String: (site: Site, until: Date)] = [:]
        for site in byID.values { for old in site.previousWidgetKeys { retiring[old.value] = (site, old.until) } }
        self.retiringWidgetKeys = retiring
        self.agentKeyHashes = Mutex(agentKeyHashes)
        self.retiringAgentKeys = retiringAgentKeys
        self.clock = clock
    }

    /// Every site, default first, then by id.
    public var all: [Site] { [defaultSite] + byID.values.filter { $0.id != defaultSiteID }.sorted { $0.id < $1.id } }

    /// The site with this id.
    public func site(id: String) -> Site? { byID[id] }

    /// The site whose widget key this is; the default site for `nil` or an unknown key. An old
    /// key of a rotation names its site until the overlap ends, then it is unknown.
    public func site(widgetKey: String?) -> Site {
        guard let widgetKey else { return defaultSite }
        if let site = byWidgetKey[widgetKey] { return site }
        if let old = retiringWidgetKeys[widgetKey], clock() < old.until { return old.site }
        return defaultSite
    }

    /// Whether `widgetKey` is an old key of a rotation whose overlap has ended.
    public func isRetiredWidgetKey(_ widgetKey: String?) -> Bool {
        guard let widgetKey, byWidgetKey[widgetKey] == nil, let old = retiringWidgetKeys[widgetKey] else { return false }
        return clock() >= old.until
    }

    /// The configured (non-default) site whose agent key this is, compared in constant time:
    /// its current key, or an old one while its overlap runs.
    public func site(agentKey: String) -> Site? {
        let hashes = agentKeyHashes.withLock { $0 }
        let now = clock()
        var match: Site?
        for (id, hash) in hashes where Secrets.verify(agentKey, against: hash) { match = byID[id] }
        for (id, olds) in retiringAgentKeys {
            for old in olds where Secrets.verify(agentKey, against: old.value) && old.isValid(at: now) { match = byID[id] }
        }
        return match
    }
}
