import Foundation
import PluginAPI

/// Translates one message on its way into the store: a visitor's into the site's agent
/// language, an agent's reply into the language the visitor last wrote in. Never throws and
/// never waits past the budget: a message that cannot be translated is kept as written and
/// flagged (`untranslated`).
struct MessageTranslator: Sendable {
    /// The plugin's translation settings.
    let configuration: TranslationConfiguration
    /// The service (`nil` when no site translates).
    let provider: (any TranslationProvider)?
    /// The host: storage for the visitors' languages, logs.
    let host: any PluginHost

    /// How long visitors' languages are remembered after their last message.
    static let languageTimeToLive: Duration = .seconds(90 * 86_400)

    /// The storage key of a conversation's visitor language.
    static func languageKey(site: String, session: String) -> String { "visitor-language:\(site):\(session)" }

    /// A visitor message: into the agent language, from the widget's language (`i18n.language`
    /// of the client metadata) or, where the provider detects, from the detected one.
    func visitorMessage(_ draft: MessageDraft, _ context: HookContext) async -> MessageRewrite {
        let started = ContinuousClock.now
        let site = configuration.settings(for: context.site.id)
        guard site.enabled, let provider else { return MessageRewrite(text: draft.text) }
        let hinted = LanguageCode.normalized(draft.clientMetadata["i18n"]?["language"]?.stringValue)
        if let hinted { await remember(hinted, site: context.site.id, session: draft.sessionID) }
        guard hinted != site.agentLanguage, hinted != nil || provider.detectsLanguage else { return MessageRewrite(text: draft.text) }
        switch await translate(draft, from: hinted, to: site.agentLanguage, provider: provider, started: started) {
        case .success(let translated):
            let source = hinted ?? LanguageCode.normalized(translated.detectedLanguage)
            if hinted == nil, let source { await remember(source, site: context.site.id, session: draft.sessionID) }
            guard let source, source != site.agentLanguage else { return MessageRewrite(text: draft.text) }
            return MessageRewrite(text: translated.text, metadata: ["original": .string(draft.text), "language": .string(source)])
        case .failure(let failure):
            return untranslated(draft, language: hinted, failure, context)
        }
    }

    /// An agent reply: into the visitor's language, when it is known and not the agent language.
    func agentReply(_ draft: MessageDraft, _ context: HookContext) async -> MessageRewrite {
        let started = ContinuousClock.now
        let site = configuration.settings(for: context.site.id)
        guard site.enabled, let provider,
              let visitor = await recall(site: context.site.id, session: draft.sessionID), visitor != site.agentLanguage
        else { return MessageRewrite(text: draft.text) }
        switch await translate(draft, from: site.agentLanguage, to: visitor, provider: provider, started: started) {
        case .success(let translated):
            return MessageRewrite(text: translated.text, metadata: ["original": .string(draft.text), "language": .string(site.agentLanguage)])
        case .failure(let failure):
            return untranslated(draft, language: site.agentLanguage, failure, context)
        }
    }

    /// The provider's answer within what is left of the budget (a reserve stays for the host).
    private func translate(_ draft: MessageDraft, from source: String?, to target: String,
                           provider: any TranslationProvider, started: ContinuousClock.Instant) async -> Result<TranslatedText, TranslationFailure> {
        // The original must fit in the message's metadata, or it would be lost.
        let kept = draft.metadata.merging(["original": .string(draft.text), "language": .string(source ?? "und")], into: I18n.descriptor.id)
        guard kept.encodedSize <= MessageMetadata.maximumSize else { return .failure(.tooLong) }
        let budget = configuration.budget
        let reserve = min(Duration.milliseconds(250), budget / 5)
        let left = budget - reserve - (ContinuousClock.now - started)
        let text = draft.text
        switch await TranslationDeadline.run(within: left, { try await provider.translate(text, from: source, to: target, timeout: left) }) {
        case .value(var translated) where !translated.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty:
            // APy may start its output with a space; the host trims what clients send, so trim this too.
            translated.text = translated.text.trimmingCharacters(in: .whitespacesAndNewlines)
            return .success(translated)
        case .value: return .failure(.unavailable)
        case .failed(let error): return .failure(translationFailure(for: error))
        case .timedOut: return .failure(.timeout)
        }
    }

    /// The message as written, flagged with why it was not translated.
    private func untranslated(_ draft: MessageDraft, language: String?, _ failure: TranslationFailure,
                              _ context: HookContext) -> MessageRewrite {
        host.log(.warning, "i18n: message stored untranslated (\(failure.rawValue))",
                 metadata: ["site": context.site.id, "kind": draft.kind.rawValue])
        var metadata: [String: PluginJSON] = ["untranslated": .string(failure.rawValue)]
        if let language { metadata["language"] = .string(language) }
        return MessageRewrite(text: draft.text, metadata: metadata)
    }

    /// Keeps the visitor's language for the agent's replies (written only when it changed).
    private func remember(_ language: String, site: String, session: String) async {
        let key = Self.languageKey(site: site, session: session)
        do {
            if try await host.storage.value(for: key) != Data(language.utf8) {
                try await host.storage.set(Data(language.utf8), for: key, expiresAfter: Self.languageTimeToLive)
            }
        } catch {
            host.log(.warning, "i18n: could not remember the visitor's language: \(error)", metadata: ["site": site])
        }
    }

    /// The language the visitor of `session` last wrote in, if known.
    private func recall(site: String, session: String) async -> String? {
        do {
            return try await host.storage.value(for: Self.languageKey(site: site, session: session))
                .flatMap { String(data: $0, encoding: .utf8) }
        } catch {
            host.log(.warning, "i18n: could not read the visitor's language: \(error)", metadata: ["site": site])
            return nil
        }
    }
}
