import Foundation

/// A site's identity verification: the secret its own server signs with (plus old ones during a
/// rotation) and whether anonymous chats are refused.
public struct IdentitySettings: Sendable {
    /// The shortest identity secret accepted.
    public static let minimumSecretLength = 32
    /// How far the clocks of the site's server and this one may disagree for a JWT's `exp`,
    /// `nbf` and `iat`.
    public static let clockSkew: TimeInterval = 60

    /// The current secret: it signs, and it is always accepted.
    public var secret: String?
    /// Old secrets, each accepted until its end.
    public var previous: [RetiringSecret<String>]
    /// Refuse visitors without a valid proof (`identity.required`).
    public var strict: Bool

    /// Settings with a current secret, old ones and the strict flag.
    public init(secret: String?, previous: [RetiringSecret<String>] = [], strict: Bool = false) {
        self.secret = secret
        self.previous = previous
        self.strict = strict
    }

    /// The secrets a proof may be signed with at `now`: the current one first.
    public func validSecrets(at now: Date) -> [String] {
        [secret].compactMap { $0 } + previous.filter { $0.isValid(at: now) }.map(\.value)
    }
}
