import Crypto
import Foundation

/// Secret keys: generation, salted hashing and constant-time verification.
///
/// Stored form: `sha256$<salt hex>$<digest hex>`. Keys are high-entropy (generated, or at least
/// ``minimumLength`` characters), so one salted SHA-256 is the right cost: auth runs on every
/// agent poll and must stay in the microseconds.
public enum Secrets {
    /// The shortest secret accepted from the environment, the config file or config POST.
    public static let minimumLength = 16

    /// The keys the original server shipped and seeded into every database; they are public.
    public static let publishedDefaults: Set<String> = ["ObeyG1ant", "FreeUkra1ne"]

    /// A new random key: `prefix` followed by 32 bytes of CSPRNG output in URL-safe base64.
    public static func generate(prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + encoded
    }

    /// The stored (hashed) form of `secret`, with a fresh random salt.
    public static func hash(_ secret: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return "sha256$\(hex(salt))$\(hex(digest(salt: salt, secret: secret)))"
    }

    /// Whether `value` is already in the stored, hashed form.
    public static func isHashed(_ value: String) -> Bool { value.hasPrefix("sha256$") }

    /// Constant-time check of `candidate` against a stored hash (or, for a legacy database that
    /// still holds a plaintext key, against that plaintext).
    public static func verify(_ candidate: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0] == "sha256", let salt = unhex(parts[1]), let expected = unhex(parts[2]) {
            return constantTimeEqual(digest(salt: salt, secret: candidate), expected)
        }
        return constantTimeEqual(Array(SHA256.hash(data: Array(candidate.utf8))), Array(SHA256.hash(data: Array(stored.utf8))))
    }

    /// Compares two byte strings in time that depends only on their lengths.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    private static func digest(salt: [UInt8], secret: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(secret.utf8))
        return Array(hasher.finalize())
    }

    package static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    private static func unhex(_ s: Substring) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }
}

extension String {
    package func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
