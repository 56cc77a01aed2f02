import Foundation
import PluginAPI
import SanctumServices

extension SiteDirectory {
    /// Builds the directory from the config: validates tiers and sites, loads or creates each
    /// site's agent key (environment `SANCTUM_SITE_<ID>_AGENT_KEY` wins, else the stored hash,
    /// else a new key returned in `generated` to be shown once).
    static func build(config: SanctumConfig, activated: Set<String>, known: Set<String>, store: any ChatStore,
                      environment: [String: String], now: Date,
                      clock: @escaping @Sendable () -> Date = { Date() }) async throws -> (SiteDirectory, generated: [String: String]) {
        let tiers = config.tiers ?? ["default": .init(plugins: ["domain-allowlist"])]
        for (name, tier) in tiers {
            for id in tier.plugins where !known.contains(id) {
                throw ConfigError(description: "tiers.\(name).plugins: unknown plugin '\(id)' (compiled in: \(known.sorted().joined(separator: ", ")))")
            }
        }
        func plugins(of tierName: String?, path: String, explicit: Bool) throws -> (String, [String]) {
            let fallback = tiers["free"] != nil ? "free" : "default"
            let name = tierName ?? fallback
            guard let tier = tiers[name] else {
                if explicit { throw ConfigError(description: "\(path).tier: unknown tier '\(name)' (tiers: \(tiers.keys.sorted().joined(separator: ", ")))") }
                return (name, [])
            }
            var seen = Set<String>()
            return (name, tier.plugins.filter { activated.contains($0) && seen.insert($0).inserted })
        }
        func make(_ s: SanctumConfig.Site, id: String, path: String, widgetKey: String?) throws -> Site {
            let (tier, enabled) = try plugins(of: s.tier, path: path, explicit: s.tier != nil)
            let oldWidgetKeys = try (s.previousWidgetKeys ?? []).enumerated().map { index, old in
                let entry = "\(path).previous_widget_keys[\(index)]"
                guard let key = old.key, !key.isEmpty else { throw ConfigError(description: "\(entry).key: required key is missing") }
                return RetiringSecret(value: key, until: try RotationConfig.instant(old.until, path: entry + ".until"))
            }
            return Site(info: SiteInfo(id: id, tier: tier, allowedOrigins: s.allowedOrigins ?? [], settings: s.branding ?? [:]),
                        widgetKey: widgetKey, plugins: enabled,
                        identity: try RotationConfig.identity(s.identity, siteID: id, path: path, environment: environment),
                        previousWidgetKeys: oldWidgetKeys)
        }
        let defaultConfig = config.defaultSite ?? SanctumConfig.Site(id: defaultSiteID)
        guard defaultConfig.id.isEmpty || defaultConfig.id == defaultSiteID else {
            throw ConfigError(description: "default_site.id: the default site's id is always '\(defaultSiteID)' (leave it out)")
        }
        let defaultWidgetKey = environment["SANCTUM_WIDGET_KEY"] ?? defaultConfig.widgetKey ?? config.keys?.widgetKey
        let defaultSite = try make(defaultConfig, id: defaultSiteID, path: "default_site", widgetKey: defaultWidgetKey)

        var others: [Site] = []
        var ids: Set<String> = [defaultSiteID]
        var widgetKeys: Set<String> = Set([defaultWidgetKey].compactMap { $0 })
        for (index, s) in (config.sites ?? []).enumerated() {
            let path = "sites[\(index)]"
            guard !s.id.isEmpty else { throw ConfigError(description: "\(path).id: required key is missing") }
            guard SiteDirectory.idPattern.firstMatch(in: s.id, range: NSRange(s.id.startIndex..., in: s.id)) != nil else {
                throw ConfigError(description: "\(path).id: '\(s.id)' must be lowercase letters, digits, '-' or '_'")
            }
            guard ids.insert(s.id).inserted else { throw ConfigError(description: "\(path).id: '\(s.id)' is used twice (or is the reserved 'default')") }
            if let key = s.widgetKey, !widgetKeys.insert(key).inserted {
                throw ConfigError(description: "\(path).widget_key: already used by another site")
            }
            others.append(try make(s, id: s.id, path: path, widgetKey: s.widgetKey))
        }

        var hashes = try await store.siteKeys()
        var generated: [String: String] = [:]
        for site in others {
            let variable = "SANCTUM_SITE_" + site.id.uppercased().replacingOccurrences(of: "-", with: "_") + "_AGENT_KEY"
            if let key = environment[variable] {
                guard key.count >= Secrets.minimumLength else { throw KeySetupError(description: "\(variable) must be at least \(Secrets.minimumLength) characters") }
                hashes[site.id] = Secrets.hash(key)
            } else if hashes[site.id] == nil {
                let key = Secrets.generate(prefix: "sk_\(site.id)_")
                generated[site.id] = key
                hashes[site.id] = Secrets.hash(key)
            } else {
                continue
            }
            try await store.setSiteKey(siteID: site.id, hash: hashes[site.id]!, now: now)
        }
        let configured = Set(others.map(\.id))
        var retiringAgentKeys: [String: [RetiringSecret<String>]] = [:]
        for (index, s) in (config.sites ?? []).enumerated() {
            retiringAgentKeys[s.id] = try RotationConfig.agentKeys(s.previousAgentKeys, path: "sites[\(index)].previous_agent_keys")
        }
        return (SiteDirectory(defaultSite: defaultSite, others: others, agentKeyHashes: hashes.filter { configured.contains($0.key) },
                              retiringAgentKeys: retiringAgentKeys, clock: clock), generated)
    }
}
