import Foundation

/// The conversation a visitor's request is about, once its identity proof is checked.
public struct VisitorConversation: Sendable, Equatable {
    /// The session the widget named.
    public var presented: String
    /// The session the request acts on: the verified user's own conversation, else `presented`.
    public var sessionID: String
    /// The verified user, `nil` for an anonymous visitor (or an unverified claim).
    public var identity: VerifiedIdentity?
}

/// Identity verification per site: checks a visitor's proof and finds the verified user's
/// conversation, so that it follows them across devices and browsers. An unverified claim is
/// treated as anonymous (never shown as verified); a strict site refuses it.
public struct IdentityService: Sendable {
    let store: any ChatStore
    let clock: @Sendable () -> Date

    /// A service over this store and clock.
    public init(store: any ChatStore, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.clock = clock
    }

    /// The conversation of a visitor's request on `site` for the widget's `sessionID` and the
    /// proof found in the request's fields. Throws `403` with `error_code` `identity.*` on a
    /// strict site when the proof is missing or refused.
    public func conversation(site: Site, sessionID: String, proof: IdentityProof?) async throws -> VisitorConversation {
        let anonymous = VisitorConversation(presented: sessionID, sessionID: sessionID, identity: nil)
        guard let settings = site.identity else { return anonymous }
        let now = clock()
        let outcome: Result<VerifiedIdentity, IdentityRejection> = proof.map { IdentityVerifier.verify($0, settings: settings, now: now) } ?? .failure(.missing)
        switch outcome {
        case .success(let identity):
            let fresh = "session_" + Secrets.generate(prefix: "").replacingOccurrences(of: "-", with: "_").prefix(40)
            let owned = try await store.claimSession(siteID: site.id, identity: identity, presented: sessionID, fresh: String(fresh), now: now)
            return VisitorConversation(presented: sessionID, sessionID: owned, identity: identity)
        case .failure(let rejection):
            guard settings.strict else { return anonymous }
            throw ServiceError(.refused(status: 403), rejection.message, details: ["error_code": .string(rejection.rawValue)])
        }
    }

    /// The verified identities of these sessions, for the agent API and the console.
    public func identities(of sessionIDs: [String]) async throws -> [String: VerifiedIdentity] {
        let unique = Array(Set(sessionIDs))
        return unique.isEmpty ? [:] : try await store.identities(sessionIDs: unique)
    }
}
