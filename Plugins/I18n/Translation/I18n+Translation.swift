import Foundation
import PluginAPI

extension I18n {
    /// The translation hooks: one transformer for visitor messages, one for agent replies, each
    /// with the configured budget, and a subscription that forgets the visitor's language of a
    /// deleted conversation. They are contributed always and do nothing for sites without
    /// translation.
    func translationContributions(host: any PluginHost) async throws -> PluginContributions {
        let settings = configuration.translation
        let translator = MessageTranslator(configuration: settings,
                                           provider: settings.usedBySomeSite ? settings.makeProvider(http: host.http) : nil,
                                           host: host)
        return PluginContributions(transformers: [
            .rewriting(name: "translate-visitor", kinds: [.visitor], budget: settings.budget, policy: .failOpen) { draft, context in
                await translator.visitorMessage(draft, context)
            },
            .rewriting(name: "translate-agent", kinds: [.agent], budget: settings.budget, policy: .failOpen) { draft, context in
                await translator.agentReply(draft, context)
            },
        ], subscriptions: [
            .conversationDeletions("forget-visitor-languages") { deleted in
                try await host.storage.apply(deleted.map { .remove(MessageTranslator.languageKey(site: $0.siteID, session: $0.sessionID)) })
            },
        ])
    }

    /// Sends the provider its first, slow requests when the server starts, so that no visitor's
    /// message pays for them; retried a few times while the service is not up yet.
    func warmUpTranslation(host: any PluginHost) async {
        let settings = configuration.translation
        guard settings.usedBySomeSite, settings.warmUp, let provider = settings.makeProvider(http: host.http) else { return }
        let languages = Set([settings.settings(for: "").agentLanguage] + settings.sites.map { settings.settings(for: $0.site).agentLanguage })
        for attempt in 1...5 {
            let started = ContinuousClock.now
            do {
                for language in languages.sorted() {
                    try await provider.warmUp(agentLanguage: language, timeout: .seconds(30))
                }
                host.log(.info, "i18n: translation provider warmed up in \(ContinuousClock.now - started)",
                         metadata: ["provider": settings.provider])
                return
            } catch {
                host.log(.warning, "i18n: translation provider warm-up failed (attempt \(attempt) of 5): \(error)",
                         metadata: ["provider": settings.provider])
                guard attempt < 5 else { return }
                do { try await Task.sleep(for: .seconds(2 * attempt)) } catch { return }
            }
        }
    }
}
