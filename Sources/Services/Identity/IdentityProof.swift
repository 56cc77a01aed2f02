import Foundation

/// What a visitor's widget presents to prove who its user is (SanctumChat.identify).
public enum IdentityProof: Sendable, Equatable {
    /// `user_hash` = hex HMAC-SHA256(identity secret, `user_id`), with optional unsigned name and e-mail.
    case userHash(userID: String, hash: String, name: String?, email: String?)
    /// A JWT signed HS256 with the identity secret: `sub` is the user id, `exp` required.
    case token(String)

    /// The proof in request fields (`user_id` + `user_hash`, or `identity_token`); `nil` when
    /// neither is there. An anonymous visitor sends none.
    public static func from(_ field: (String) -> String?) -> IdentityProof? {
        func value(_ name: String) -> String? { field(name).flatMap { $0.isEmpty ? nil : $0 } }
        if let token = value("identity_token") { return .token(token) }
        if let userID = value("user_id"), let hash = value("user_hash") {
            return .userHash(userID: userID, hash: hash, name: value("name"), email: value("email"))
        }
        return nil
    }
}

/// Why a proof was not accepted (the `error_code` strict mode answers with).
public enum IdentityRejection: String, Error, Sendable {
    /// No proof at all.
    case missing = "identity.required"
    /// Wrong hash or signature, a malformed token, or a user id too long.
    case invalid = "identity.invalid"
    /// A JWT algorithm other than HS256 (`none` included).
    case algorithm = "identity.algorithm"
    /// A JWT past its `exp` (plus the allowed skew), not yet valid, or without `exp`.
    case expired = "identity.expired"

    /// The answer's `error` text.
    public var message: String {
        switch self {
        case .missing: "This chat requires a signed-in user (identity verification)"
        case .invalid: "Identity proof is invalid"
        case .algorithm: "Identity token algorithm must be HS256"
        case .expired: "Identity token is expired, not yet valid or has no exp"
        }
    }
}
