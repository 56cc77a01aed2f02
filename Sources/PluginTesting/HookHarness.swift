import Foundation
import PluginAPI
import PluginDispatch

/// Runs the real ``HookPipeline`` over one or several plugins, activated against a
/// ``MockHost`` with the server's activation rules, exactly as the server orders and times them.
///
/// ```swift
/// let harness = try await HookHarness(WordFilter.self, configuration: .init(words: ["darn"]))
/// let outcome = await harness.prepare(visitor: "oh darn")
/// ```
///
/// Activation follows ``PluginActivation``: a plugin that contributes an undeclared capability
/// makes the initialiser throw ``ActivationRefusal``, and storage without the `storage`
/// capability throws ``CapabilityNotDeclared``, as in the server.
public struct HookHarness: Sendable {
    /// The pipeline under test.
    public let pipeline: HookPipeline
    /// The host every plugin was activated against.
    public let host: MockHost
    /// Plugin ids in activation (config) order.
    public let enabled: [String]
    /// The site the harness pretends requests come from.
    public var site: SiteInfo
    /// What each plugin contributed, by id.
    public let contributions: [String: PluginContributions]
    /// The plugins each tier enables, in hook order, as the config file's `tiers`; `nil` enables
    /// every plugin for every site.
    public let tiers: [String: [String]]?

    /// Activates `plugins` (type and configuration, in order) against `host`. `clock` times the
    /// circuit breaker's cool-down: pass a ``ManualClock`` to test it without waiting. `tiers`
    /// (tier name → plugin ids) decides which plugins run for a site, as the config file does;
    /// without it every plugin runs for every site.
    public init<C: Clock>(plugins: [(any Plugin.Type, Any)], host: MockHost = MockHost(),
                          site: SiteInfo = SiteInfo(id: "test", tier: "test"), tiers: [String: [String]]? = nil,
                          breaker: CircuitBreakerPolicy = CircuitBreakerPolicy(),
                          clock: C = ContinuousClock()) async throws where C.Duration == Duration {
        var activated: [ActivatedPlugin] = []
        for (type, configuration) in plugins {
            activated.append(try await Self.activate(type, configuration: configuration, host: host))
        }
        self.host = host
        self.site = site
        self.tiers = tiers
        self.enabled = activated.map(\.id)
        self.contributions = Dictionary(activated.map { ($0.id, $0.contributions) }, uniquingKeysWith: { first, _ in first })
        self.pipeline = HookPipeline(plugins: activated, breaker: breaker, clock: clock) { level, message in
            host.log(level, message, metadata: [:])
        }
    }

    /// Activates one plugin with its configuration (see ``init(plugins:host:site:tiers:breaker:clock:)``).
    public init<P: Plugin>(_ type: P.Type, configuration: P.Configuration, host: MockHost = MockHost(),
                           site: SiteInfo = SiteInfo(id: "test", tier: "test"), tiers: [String: [String]]? = nil) async throws {
        try await self.init(plugins: [(type, configuration)], host: host, site: site, tiers: tiers)
    }

    /// The activated plugins `site`'s tier enables, in hook order (all of them without ``tiers``).
    public func enabledPlugins(for site: SiteInfo) -> [String] {
        guard let tiers else { return enabled }
        return (tiers[site.tier] ?? []).filter(enabled.contains)
    }

    /// Creates a plugin whose configuration is passed untyped and activates it as the server does.
    static func activate(_ type: any Plugin.Type, configuration: Any, host: MockHost) async throws -> ActivatedPlugin {
        func open<P: Plugin>(_ type: P.Type) throws -> P {
            guard let typed = configuration as? P.Configuration else {
                throw PluginRefusal("configuration for \(P.descriptor.id) must be \(P.Configuration.self)")
            }
            return try P(configuration: typed)
        }
        try PluginActivation.checkCompatibility(type.descriptor)
        let plugin = try open(type)
        return try await PluginActivation.activate(plugin, host: PluginActivation.restrict(host, to: type.descriptor))
    }

    /// Validators and transformers over a visitor message; after a rejection the rejection
    /// observers have run when it returns (the server runs them from its observer queue).
    /// `clientMetadata` is what the request's `metadata` field would carry (hooks read it as
    /// ``MessageDraft/clientMetadata``); ``PreparedMessage/metadata`` is what the transformers attached.
    public func prepare(visitor text: String, sessionID: String = "session_test", origin: String? = nil,
                        clientMetadata: MessageMetadata = MessageMetadata()) async -> PreparedMessage {
        await prepare(MessageDraft(kind: .visitor, sessionID: sessionID, text: text, clientMetadata: clientMetadata),
                      clientIP: "127.0.0.1", origin: origin)
    }

    /// Validators and transformers over an agent reply, with rejection observers as for visitors.
    public func prepare(agent text: String, sessionID: String = "session_test",
                        clientMetadata: MessageMetadata = MessageMetadata()) async -> PreparedMessage {
        await prepare(MessageDraft(kind: .agent, sessionID: sessionID, text: text, clientMetadata: clientMetadata), clientIP: nil, origin: nil)
    }

    private func prepare(_ draft: MessageDraft, clientIP: String?, origin: String?) async -> PreparedMessage {
        let enabled = enabledPlugins(for: site)
        let outcome = await pipeline.prepare(draft, context: HookContext(site: site, clientIP: clientIP, origin: origin), enabled: enabled)
        if case .reject(let code, _, _, let pluginID) = outcome {
            let rejection = RejectedMessage(kind: draft.kind, sessionID: draft.sessionID, text: draft.text, site: site, pluginID: pluginID,
                                            code: code, rejectedAt: host.now())
            await pipeline.notifyRejected(rejection, enabled: enabled)
        }
        return outcome
    }

    /// The folded authorizer verdict for a request with this origin.
    public func authorize(origin: String?, method: String = "GET", path: String = "/api/v1/") async -> AuthVerdict {
        await pipeline.authorize(AuthRequest(method: method, path: path, clientIP: "127.0.0.1", origin: origin, site: site), enabled: enabledPlugins(for: site))
    }

    /// Runs the observers for a committed message with the metadata stored with it.
    public func notify(_ kind: MessageKind = .visitor, text: String, id: Int64 = 1, metadata: MessageMetadata = MessageMetadata()) async {
        await pipeline.notify(StoredMessage(kind: kind, id: id, sessionID: "session_test", text: text, site: site, storedAt: host.now(),
                                            metadata: metadata),
                              enabled: enabledPlugins(for: site))
    }
}

extension PreparedMessage {
    /// The text to store, or `nil` for a rejection.
    public var text: String? {
        if case .accept(let draft) = self { return draft.text }
        return nil
    }

    /// What the transformers attached (stored with the message), or `nil` for a rejection.
    public var metadata: MessageMetadata? {
        if case .accept(let draft) = self { return draft.metadata }
        return nil
    }
}
