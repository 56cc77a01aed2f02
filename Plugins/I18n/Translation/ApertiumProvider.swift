import Foundation
import PluginAPI

/// Apertium APy: `POST /translate` with the form `langpair=spa|eng&q=…&markUnknown=no`,
/// answered `{"responseData": {"translatedText": …}, "responseStatus": 200}`; languages are
/// ISO 639-3 (`eng`, `spa`), `/listPairs` lists the installed pairs. APy detects nothing.
struct ApertiumProvider: TranslationProvider {
    /// The service's base URL (`http://localhost:2737`).
    var base: URL
    /// The host's outbound HTTP client.
    var http: any PluginHTTPClient

    var detectsLanguage: Bool { false }

    func translate(_ text: String, from source: String?, to target: String, timeout: Duration) async throws -> TranslatedText {
        guard let source, let from = LanguageCode.iso639_3(source), let to = LanguageCode.iso639_3(target) else {
            throw TranslationFailure.unsupported
        }
        let form = [("langpair", "\(from)|\(to)"), ("q", text), ("markUnknown", "no")]
            .map { "\($0.0)=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        let request = PluginHTTPRequest(method: "POST", url: base.appendingEndpoint("/translate"),
                                        headers: ["content-type": "application/x-www-form-urlencoded; charset=utf-8"],
                                        body: Data(form.utf8), timeout: timeout, maxResponseBytes: 256 * 1024)
        let response = try await http.send(request)
        let answer = try? JSONDecoder().decode(Answer.self, from: response.body)
        if response.status == 200, answer?.responseStatus ?? 200 == 200, let translated = answer?.responseData?.translatedText {
            return TranslatedText(text: translated)
        }
        // APy answers an uninstalled pair with 400 "That pair is not installed".
        throw response.status == 400 ? TranslationFailure.unsupported : TranslationFailure.unavailable
    }

    func warmUp(agentLanguage: String, timeout: Duration) async throws {
        let response = try await http.send(PluginHTTPRequest(url: base.appendingEndpoint("/listPairs"), timeout: timeout,
                                                             maxResponseBytes: 1 << 20))
        guard response.status == 200, let pairs = try? JSONDecoder().decode(Pairs.self, from: response.body) else {
            throw TranslationFailure.unavailable
        }
        let agent = LanguageCode.iso639_3(agentLanguage) ?? agentLanguage
        let used = pairs.responseData.filter { $0.sourceLanguage == agent || $0.targetLanguage == agent }.prefix(20)
        for pair in used {
            // Each pair's pipeline starts on its first request: start them now, not on a visitor's message.
            _ = try await translate("Hello", from: pair.sourceLanguage, to: pair.targetLanguage, timeout: timeout)
        }
    }

    /// `value` encoded for an `application/x-www-form-urlencoded` body.
    static func formEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// The characters a form value keeps as they are (RFC 3986's unreserved).
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `/translate`'s answer.
    private struct Answer: Decodable {
        struct Payload: Decodable { var translatedText: String? }
        var responseData: Payload?
        var responseStatus: Int?
    }

    /// `/listPairs`'s answer.
    private struct Pairs: Decodable {
        struct Pair: Decodable { var sourceLanguage: String; var targetLanguage: String }
        var responseData: [Pair]
    }
}
