import Foundation

/// Verified users and their conversations (``IdentityStore``), as the SQLite driver keeps them.
extension MemoryChatStore {
    public func claimSession(siteID: String, identity: VerifiedIdentity, presented: String, fresh: String, now: Date) async throws -> String {
        try change { s in
            if var known = s.verifiedUsers[siteID]?[identity.userID], Self.owner(of: known.sessionID, in: s).map({ $0 == siteID }) ?? true {
                known.identity.name = identity.name ?? known.identity.name
                known.identity.email = identity.email ?? known.identity.email
                s.verifiedUsers[siteID]![identity.userID] = known
                return known.sessionID
            }
            let linked = Set(s.verifiedUsers.values.flatMap { $0.values.map(\.sessionID) })
            let presentedIsFree = Self.owner(of: presented, in: s).map { $0 == siteID } ?? true
            let adopted = !linked.contains(presented) && presentedIsFree ? presented : fresh
            s.verifiedUsers[siteID, default: [:]][identity.userID] = MemoryVerifiedUser(sessionID: adopted, identity: identity)
            return adopted
        }
    }

    public func identities(sessionIDs: [String]) async throws -> [String: VerifiedIdentity] {
        read { s in
            let wanted = Set(sessionIDs)
            var found: [String: VerifiedIdentity] = [:]
            for users in s.verifiedUsers.values {
                for user in users.values where wanted.contains(user.sessionID) { found[user.sessionID] = user.identity }
            }
            return found
        }
    }

    public func verifiedSession(siteID: String, userID: String) async throws -> String? {
        read { $0.verifiedUsers[siteID]?[userID]?.sessionID }
    }

    /// The site of a session (or of its tombstone), `nil` for an id never used.
    private static func owner(of session: String, in s: MemoryState) -> String? {
        s.sessions[session]?.siteID ?? s.tombstones[session]?.siteID
    }
}
