import Foundation
import PluginAPI

/// A LibreTranslate-compatible service: `POST /translate` with the JSON
/// `{q, source, target, format: "text", api_key?}`, answered `{translatedText, detectedLanguage?}`.
/// It detects the language when `source` is `auto`.
struct LibreTranslateProvider: TranslationProvider {
    /// The service's base URL (`https://translate.example`).
    var base: URL
    /// Sent as `api_key` when not empty.
    var apiKey: String
    /// The host's outbound HTTP client.
    var http: any PluginHTTPClient

    var detectsLanguage: Bool { true }

    func translate(_ text: String, from source: String?, to target: String, timeout: Duration) async throws -> TranslatedText {
        var body = ["q": text, "source": source ?? "auto", "target": target, "format": "text"]
        if !apiKey.isEmpty { body["api_key"] = apiKey }
        let request = PluginHTTPRequest(method: "POST", url: base.appendingEndpoint("/translate"),
                                        headers: ["content-type": "application/json"],
                                        body: try JSONEncoder().encode(body), timeout: timeout, maxResponseBytes: 256 * 1024)
        let response = try await http.send(request)
        if response.status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: response.body) {
            return TranslatedText(text: answer.translatedText, detectedLanguage: answer.detectedLanguage?.language)
        }
        // LibreTranslate answers a language it does not offer with 400.
        throw response.status == 400 ? TranslationFailure.unsupported : TranslationFailure.unavailable
    }

    func warmUp(agentLanguage: String, timeout: Duration) async throws {
        _ = try await translate("Hello", from: agentLanguage, to: agentLanguage == "en" ? "es" : "en", timeout: timeout)
    }

    /// `/translate`'s answer.
    private struct Answer: Decodable {
        struct Detected: Decodable { var language: String }
        var translatedText: String
        var detectedLanguage: Detected?
    }
}
