import Foundation

/// Language codes as the widget sends them and as providers want them.
enum LanguageCode {
    /// The primary language of a BCP 47 tag, lowercased (`es-MX` → `es`, `pt_BR` → `pt`), or
    /// `nil` for anything that is not two or three ASCII letters first (a hint is client input).
    static func normalized(_ tag: String?) -> String? {
        guard let tag, tag.utf8.count <= 35 else { return nil }
        let primary = tag.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == "-" || $0 == "_" })
            .first.map { $0.lowercased() } ?? ""
        guard (2...3).contains(primary.count), primary.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return primary
    }

    /// The ISO 639-3 code Apertium uses for an ISO 639-1 code (`en` → `eng`); three-letter codes
    /// are already ISO 639-3 and pass unchanged; `nil` for a two-letter code not in the table.
    static func iso639_3(_ code: String) -> String? {
        code.count == 3 ? code : twoToThree[code]
    }

    /// ISO 639-1 → ISO 639-3 for the languages Apertium has pairs for.
    static let twoToThree: [String: String] = [
        "af": "afr", "an": "arg", "ar": "ara", "ast": "ast", "be": "bel", "bg": "bul", "br": "bre",
        "bs": "bos", "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell",
        "en": "eng", "eo": "epo", "es": "spa", "et": "est", "eu": "eus", "fa": "fas", "fi": "fin",
        "fo": "fao", "fr": "fra", "ga": "gle", "gd": "gla", "gl": "glg", "he": "heb", "hi": "hin",
        "hr": "hrv", "hu": "hun", "id": "ind", "is": "isl", "it": "ita", "ja": "jpn", "kk": "kaz",
        "ko": "kor", "ky": "kir", "lt": "lit", "lv": "lav", "mk": "mkd", "ms": "msa", "mt": "mlt",
        "nb": "nob", "nl": "nld", "nn": "nno", "no": "nob", "oc": "oci", "pl": "pol", "pt": "por",
        "ro": "ron", "ru": "rus", "se": "sme", "sk": "slk", "sl": "slv", "sq": "sqi", "sr": "srp",
        "sv": "swe", "tr": "tur", "tt": "tat", "uk": "ukr", "ur": "urd", "uz": "uzb", "zh": "zho",
    ]
}
