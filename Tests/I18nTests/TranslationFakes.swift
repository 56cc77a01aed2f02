import Foundation
import PluginAPI
import PluginTesting

/// Answers like Apertium APy (`/translate`, `/listPairs`) from a small phrase book, and records
/// nothing itself (``MockHost/httpRequests`` does).
enum FakeApertium {
    /// `langpair` → source text → translation.
    static let phrases: [String: [String: String]] = [
        "spa|eng": ["Hola, necesito ayuda": "Hello, I need help", "Hello": "Hello"],
        "eng|spa": ["Your order has shipped": "Vuestro orden ha embarcado", "Hello": "Hola"],
    ]

    /// The form fields of a request body.
    static func form(_ request: PluginHTTPRequest) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }

    /// APy's answer to `request`.
    static func respond(_ request: PluginHTTPRequest) -> PluginHTTPResponse {
        if request.url.path == "/listPairs" {
            return json(#"{"responseData": [{"sourceLanguage": "spa", "targetLanguage": "eng"}, {"sourceLanguage": "eng", "targetLanguage": "spa"}], "responseDetails": null, "responseStatus": 200}"#)
        }
        let fields = form(request)
        guard let book = phrases[fields["langpair"] ?? ""] else {
            return json(#"{"status": "error", "code": 400, "message": "Bad Request", "explanation": "That pair is not installed"}"#, status: 400)
        }
        let text = fields["q"] ?? ""
        let answer = ["responseData": ["translatedText": book[text] ?? text]]
        return PluginHTTPResponse(status: 200, headers: ["content-type": "application/json"],
                                  body: try! JSONEncoder().encode(answer))
    }

    static func json(_ text: String, status: Int = 200) -> PluginHTTPResponse {
        PluginHTTPResponse(status: status, headers: ["content-type": "application/json"], body: Data(text.utf8))
    }
}

/// Answers like LibreTranslate: `{translatedText, detectedLanguage}` (it detects when `source` is `auto`).
enum FakeLibreTranslate {
    /// The JSON body of a request.
    static func body(_ request: PluginHTTPRequest) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: request.body)) ?? [:]
    }

    /// LibreTranslate's answer to `request`: Spanish ↔ English of a few phrases.
    static func respond(_ request: PluginHTTPRequest) -> PluginHTTPResponse {
        let fields = body(request)
        let text = fields["q"] ?? ""
        let translations = ["¿Dónde está mi pedido?": "Where is my order?", "It arrives tomorrow": "Llega mañana"]
        var answer: [String: PluginJSON] = ["translatedText": .string(translations[text] ?? text)]
        if fields["source"] == "auto" { answer["detectedLanguage"] = ["confidence": 90, "language": "es"] }
        return PluginHTTPResponse(status: 200, headers: ["content-type": "application/json"], body: try! JSONEncoder().encode(answer))
    }
}
