import Foundation
import PluginAPI

/// A machine-translation service behind the plugin: LibreTranslate or Apertium APy. Providers
/// send through the host's outbound HTTP client and keep no state.
protocol TranslationProvider: Sendable {
    /// Whether the service can say which language a text is in (the source may then be `nil`).
    var detectsLanguage: Bool { get }

    /// `text` in `target`, from `source` (`nil`: detect, where ``detectsLanguage``). Codes are
    /// ISO 639-1 (`en`) or 639-3; `timeout` bounds the request. Throws ``TranslationFailure``.
    func translate(_ text: String, from source: String?, to target: String, timeout: Duration) async throws -> TranslatedText

    /// Sends the first, slow requests (the service loads its models or starts its pipelines),
    /// for the language pairs of `agentLanguage`.
    func warmUp(agentLanguage: String, timeout: Duration) async throws
}

/// A provider's answer.
struct TranslatedText: Sendable, Equatable {
    /// The translation.
    var text: String
    /// The source language the service detected (ISO 639-1), when it was asked to.
    var detectedLanguage: String?
}

/// Why a message was not translated: the value of `metadata.i18n.untranslated`.
enum TranslationFailure: String, Error, Sendable, Equatable {
    /// The answer was not back within the hook's budget.
    case timeout
    /// The service could not be reached or answered with an error.
    case unavailable
    /// The service does not translate between these languages (or does not know one of them).
    case unsupported
    /// The text is too long to keep its original in the message's metadata.
    case tooLong = "too_long"
}

extension TranslationConfiguration {
    /// The provider this configuration names, sending through `http`.
    func makeProvider(http: any PluginHTTPClient) -> (any TranslationProvider)? {
        guard let base = URL(string: url), base.host != nil else { return nil }
        switch provider {
        case "libretranslate": return LibreTranslateProvider(base: base, apiKey: apiKey, http: http)
        default: return ApertiumProvider(base: base, http: http)
        }
    }
}

extension URL {
    /// `path` appended to this base URL (whose own path may end in `/` or not).
    func appendingEndpoint(_ path: String) -> URL {
        var text = absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + path) ?? self
    }
}

/// Maps an HTTP failure to what the message's metadata says.
func translationFailure(for error: any Error) -> TranslationFailure {
    if let failure = error as? TranslationFailure { return failure }
    if let http = error as? PluginHTTPError, case .timeout = http { return .timeout }
    return .unavailable
}
