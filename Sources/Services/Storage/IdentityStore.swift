import Foundation

/// A user whose identity the site's own server vouched for (a valid `user_hash` or JWT).
public struct VerifiedIdentity: Sendable, Equatable {
    /// The site's id for the user (`user_id`, or the JWT's `sub`).
    public var userID: String
    /// The user's name, if the proof carried one.
    public var name: String?
    /// The user's e-mail address, if the proof carried one.
    public var email: String?

    /// A verified user with optional name and e-mail.
    public init(userID: String, name: String? = nil, email: String? = nil) {
        self.userID = userID
        self.name = name
        self.email = email
    }

    /// `{user_id, verified: true, name?, email?}` as the agent API shows it.
    public var json: JSON {
        var fields: [(String, JSON)] = []
        if let email { fields.append(("email", .string(email))) }
        if let name { fields.append(("name", .string(name))) }
        fields.append(("user_id", .string(userID)))
        fields.append(("verified", .bool(true)))
        return .fields(fields)
    }
}

/// Verified users and their conversations: a verified user has one conversation per site, which
/// follows them across devices and browsers.
public protocol IdentityStore: Sendable {
    /// The session of a verified user on a site. The first time, `presented` (the session the
    /// visitor's widget uses) becomes the user's — unless it already belongs to another user or
    /// another site, then `fresh` does. A name or e-mail given replaces the stored one. Atomic.
    func claimSession(siteID: String, identity: VerifiedIdentity, presented: String, fresh: String, now: Date) async throws -> String
    /// The verified identities of these sessions (sessions without one are left out).
    func identities(sessionIDs: [String]) async throws -> [String: VerifiedIdentity]
    /// The conversation of verified user `userID` on site `siteID`, `nil` when unknown (export
    /// and erase by user id).
    func verifiedSession(siteID: String, userID: String) async throws -> String?
}
