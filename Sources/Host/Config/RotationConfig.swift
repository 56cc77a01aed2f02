import Foundation
import SanctumServices

/// Reads the rotation and identity parts of a site's configuration: old keys with the end of
/// their overlap, and the identity secret (environment first).
enum RotationConfig {
    /// An RFC 3339 instant (`2026-12-03T12:00:00Z`, fractions and offsets allowed).
    static func instant(_ text: String, path: String) throws -> Date {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = plain.date(from: text) ?? fractional.date(from: text) else {
            throw ConfigError(description: "\(path): expected an RFC 3339 time such as 2026-12-03T12:00:00Z, found \"\(text)\"")
        }
        return date
    }

    /// Old agent keys of a site: each a plain `key` (at least 16 characters) or its stored `hash`.
    static func agentKeys(_ entries: [SanctumConfig.RetiringKey]?, path: String) throws -> [RetiringSecret<String>] {
        try (entries ?? []).enumerated().map { index, old in
            let entry = "\(path)[\(index)]"
            let stored: String
            if let hash = old.hash, Secrets.isHashed(hash) {
                stored = hash
            } else if let key = old.key, key.count >= Secrets.minimumLength {
                stored = Secrets.hash(key)
            } else {
                throw ConfigError(description: "\(entry): give the old key (`key`, \(Secrets.minimumLength)+ characters) or its stored `hash` (sha256$…)")
            }
            return RetiringSecret(value: stored, until: try instant(old.until, path: entry + ".until"))
        }
    }

    /// The identity settings of a site, `nil` when it has no identity secret and is not strict.
    /// `SANCTUM_SITE_<ID>_IDENTITY_SECRET` wins over `identity.secret`.
    static func identity(_ config: SanctumConfig.Identity?, siteID: String, path: String, environment: [String: String]) throws -> IdentitySettings? {
        let variable = "SANCTUM_SITE_" + siteID.uppercased().replacingOccurrences(of: "-", with: "_") + "_IDENTITY_SECRET"
        let secret = environment[variable] ?? config?.secret
        let minimum = IdentitySettings.minimumSecretLength
        if let secret, secret.count < minimum {
            throw ConfigError(description: "\(path).identity.secret: must be at least \(minimum) characters (or set \(variable))")
        }
        let previous = try (config?.previousSecrets ?? []).enumerated().map { index, old in
            let entry = "\(path).identity.previous_secrets[\(index)]"
            guard let key = old.key, key.count >= minimum else { throw ConfigError(description: "\(entry).key: must be at least \(minimum) characters") }
            return RetiringSecret(value: key, until: try instant(old.until, path: entry + ".until"))
        }
        let strict = config?.strict ?? false
        guard secret != nil || !previous.isEmpty || strict else { return nil }
        if secret == nil && previous.isEmpty {
            throw ConfigError(description: "\(path).identity.strict: a strict site needs an identity secret (identity.secret or \(variable))")
        }
        return IdentitySettings(secret: secret, previous: previous, strict: strict)
    }
}
