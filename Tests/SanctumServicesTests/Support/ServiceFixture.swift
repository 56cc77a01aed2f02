import Foundation
import Logging
import PluginAPI
import StoreConformance
@testable import SanctumServices

/// Every service of a server over the in-memory driver, with a test clock, two sites and
/// known keys; no HTTP anywhere.
struct ServiceFixture {
    static let apiKey = "api-key-0123456789abcdef"
    static let adminKey = "admin-key-0123456789abcdef"
    static let acmeKey = "acme-agent-key-0123456789"

    let clock = TestClock()
    let store: MemoryChatStore
    let timer = ManualTimer()
    let bus: EventBus
    let services: ChatServices
    let acme: Site
    var defaultSite: Site { services.sites.defaultSite }

    /// `plugins` are activated on the default site (not on `acme`).
    init(rateLimits: Bool = false, plugins: [PluginRuntime.Entry] = []) {
        let bus = EventBus(sleep: timer.sleep)
        self.bus = bus
        store = MemoryChatStore(eventSink: bus.publish)
        var logger = Logger(label: "services-test")
        logger.logLevel = .critical
        let keys = KeyStore(stored: [.api: Secrets.hash(Self.apiKey), .admin: Secrets.hash(Self.adminKey)])
        let clock = self.clock
        let limiter = RateLimiter(enabled: rateLimits, clock: { clock.now.timeIntervalSince1970 })
        acme = Site(info: SiteInfo(id: "acme", tier: "free"), widgetKey: "pk_acme", plugins: [])
        let sites = SiteDirectory(defaultSite: Site(info: SiteInfo(id: defaultSiteID, tier: "free"), widgetKey: nil, plugins: plugins.map(\.id)),
                                  others: [acme], agentKeyHashes: ["acme": Secrets.hash(Self.acmeKey)])
        services = ChatServices(store: store, bus: bus, keys: keys, limiter: limiter,
                                activity: ActivityTracker(store: store, clock: clock.read, logger: logger), sites: sites,
                                plugins: PluginRuntime(entries: plugins, logger: logger), defaultSessionTimeout: 1800, clock: clock.read)
    }

    /// A visitor's request from one address.
    static let visitor = ClientRequest(clientIP: "198.51.100.7")

    /// Posts a visitor message on `site` (the default site unless given).
    @discardableResult
    func post(_ session: String, _ text: String, site: Site? = nil, client: String? = nil) async throws -> PostedMessage {
        try await services.conversations.postVisitorMessage(site: site ?? defaultSite, sessionID: session, text: text,
                                                            clientMessageID: client, request: Self.visitor)
    }

    /// One inbox call of the site, without waiting.
    func take(_ site: Site? = nil, lease: TimeInterval? = nil) async throws -> [String] {
        try await services.delivery.takeInbox(site: site ?? defaultSite, limit: 100, offset: 0, since: nil, wait: 0, lease: lease).messages.map(\.message)
    }
}
