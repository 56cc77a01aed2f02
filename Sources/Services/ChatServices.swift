import Foundation

/// The services of one server, wired once at start-up over one store, one event bus and one
/// clock. Transports (HTTP routes, the WebSocket session, the CLI) hold this and nothing else
/// of the domain.
public struct ChatServices: Sendable {
    /// Keys, callers, throttles and the sites' authorizer plugins.
    public let access: AccessControl
    /// Visitor messages, agent replies, typing and read receipts.
    public let conversations: ConversationService
    /// The agent inbox: at-most-once, long-poll, lease and acknowledge.
    public let delivery: AgentDeliveryService
    /// The event log as subscribers read it.
    public let events: EventService
    /// The operator's actions and the console's reads.
    public let administration: AdministrationService
    /// The storage driver underneath (for start-up tasks and tests).
    public let store: any ChatStore
    /// Committed events, fanned out to streams and long-polls.
    public let bus: EventBus
    /// Sites (tenants) and their keys.
    public let sites: SiteDirectory
    /// Activated plugins and the hook pipeline.
    public let plugins: PluginRuntime
    /// Batched `last_active` updates from read paths.
    public let activity: ActivityTracker
    /// The clock every service reads.
    public let clock: @Sendable () -> Date
    /// The visitors operators blocked.
    public let blocks: VisitorBlocks
    /// The audit log of admin actions.
    public let audit: AuditLog
    /// Export and erase of a visitor's data.
    public let privacy: PrivacyService
    /// Identity verification: visitors' proofs and verified users' conversations.
    public let identity: IdentityService

    /// Wires the services over these parts.
    public init(store: any ChatStore, bus: EventBus, keys: KeyStore, limiter: RateLimiter, activity: ActivityTracker, sites: SiteDirectory,
                plugins: PluginRuntime, defaultSessionTimeout: TimeInterval, clock: @escaping @Sendable () -> Date) {
        let access = AccessControl(keys: keys, sites: sites, limiter: limiter, plugins: plugins, store: store)
        self.access = access
        let blocks = VisitorBlocks(store: store, clock: clock)
        self.blocks = blocks
        let audit = AuditLog(store: store, clock: clock)
        self.audit = audit
        privacy = PrivacyService(store: store, audit: audit, clock: clock)
        conversations = ConversationService(store: store, access: access, blocks: blocks, plugins: plugins, activity: activity, clock: clock)
        delivery = AgentDeliveryService(store: store, bus: bus, clock: clock)
        events = EventService(store: store, bus: bus, access: access)
        administration = AdministrationService(store: store, keys: keys, limiter: limiter, defaultSessionTimeout: defaultSessionTimeout, clock: clock)
        identity = IdentityService(store: store, clock: clock)
        self.store = store
        self.bus = bus
        self.sites = sites
        self.plugins = plugins
        self.activity = activity
        self.clock = clock
    }
}
