import Foundation

/// Signs and checks visitors' download links: `HMAC-SHA-256(key, "v1\n<site>\n<id>\n<expires>")`
/// in hex, `expires` in Unix seconds. A link names one attachment of one site until it expires.
struct LinkSigner: Sendable {
    /// The outcome of checking a link.
    enum Check: Equatable {
        case valid
        case expired
        case invalid
    }

    let key: Data

    /// The signature of a link to `id` of `site` valid until `expires`.
    func signature(id: String, site: String, expires: Int) -> String {
        HMACSHA256.authenticationCode(for: Data("v1\n\(site)\n\(id)\n\(expires)".utf8), key: key).hexDigits
    }

    /// Checks the `expires` and `signature` query values of a link at `now` (constant-time compare).
    func check(id: String, site: String, expires: String?, signature: String?, now: Date) -> Check {
        guard let expires, let seconds = Int(expires), let signature else { return .invalid }
        let expected = Array(self.signature(id: id, site: site, expires: seconds).utf8)
        let given = Array(signature.lowercased().utf8)
        guard given.count == expected.count, zip(given, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { return .invalid }
        return Double(seconds) > now.timeIntervalSince1970 ? .valid : .expired
    }
}
