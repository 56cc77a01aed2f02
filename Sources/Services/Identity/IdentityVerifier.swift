import Crypto
import Foundation

/// Checks identity proofs against a site's identity secrets: HMAC-SHA256 `user_hash` (the
/// Intercom and Chatwoot scheme) and HS256 JWTs. Every comparison is constant-time.
public enum IdentityVerifier {
    /// The longest user id accepted.
    public static let maxUserIDLength = 255
    /// The longest name or e-mail kept.
    public static let maxClaimLength = 255

    /// The verified identity behind `proof`, or why it is refused.
    public static func verify(_ proof: IdentityProof, settings: IdentitySettings, now: Date) -> Result<VerifiedIdentity, IdentityRejection> {
        let secrets = settings.validSecrets(at: now)
        guard !secrets.isEmpty else { return .failure(.invalid) }
        switch proof {
        case .userHash(let userID, let hash, let name, let email):
            guard userID.count <= maxUserIDLength, let presented = unhex(hash.lowercased()) else { return .failure(.invalid) }
            let matches = secrets.map { Secrets.constantTimeEqual(mac(Array(userID.utf8), secret: $0), presented) }
            guard matches.contains(true) else { return .failure(.invalid) }
            return .success(VerifiedIdentity(userID: userID, name: name.map(clip), email: email.map(clip)))
        case .token(let token):
            return verifyToken(token, secrets: secrets, now: now)
        }
    }

    /// hex HMAC-SHA256(`secret`, `message`): what a site's server computes for `user_hash`.
    public static func userHash(_ userID: String, secret: String) -> String {
        Secrets.hex(mac(Array(userID.utf8), secret: secret))
    }

    private static func verifyToken(_ token: String, secrets: [String], now: Date) -> Result<VerifiedIdentity, IdentityRejection> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 8192,
              let headerBytes = base64URL(parts[0]), let header = JSON.parse(headerBytes)?.members,
              let payloadBytes = base64URL(parts[1]), let claims = JSON.parse(payloadBytes)?.members
        else { return .failure(.invalid) }
        guard header["alg"]?.stringValue == "HS256" else { return .failure(.algorithm) }
        guard let signature = base64URL(parts[2]) else { return .failure(.invalid) }
        let signed = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        let matches = secrets.map { Secrets.constantTimeEqual(mac(signed, secret: $0), signature) }
        guard matches.contains(true) else { return .failure(.invalid) }
        let skew = IdentitySettings.clockSkew
        let instant = now.timeIntervalSince1970
        guard let exp = number(claims["exp"]), instant <= exp + skew else { return .failure(.expired) }
        if let nbf = number(claims["nbf"]), instant + skew < nbf { return .failure(.expired) }
        if let iat = number(claims["iat"]), instant + skew < iat { return .failure(.expired) }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty, subject.count <= maxUserIDLength else { return .failure(.invalid) }
        return .success(VerifiedIdentity(userID: subject, name: claims["name"]?.stringValue.map(clip), email: claims["email"]?.stringValue.map(clip)))
    }

    static func mac(_ message: [UInt8], secret: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8))))
    }

    private static func number(_ value: JSON?) -> Double? {
        switch value {
        case .int(let i)?: Double(i)
        case .double(let d)? where d.isFinite: d
        default: nil
        }
    }

    private static func clip(_ text: String) -> String { String(text.prefix(maxClaimLength)) }

    private static func base64URL(_ part: Substring) -> [UInt8]? {
        guard part.allSatisfy({ $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || $0 == "-" || $0 == "_" }) else { return nil }
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: text).map(Array.init)
    }

    private static func unhex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count == 64 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }
}
