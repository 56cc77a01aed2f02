import Foundation
import PostgresNIO
import SanctumServices

/// Verified users and their conversations (``IdentityStore``): `sanctum_verified_users`. Two
/// instances claiming for the same new user at once agree: the insert that loses keeps the
/// winner's session.
extension PostgresChatStore {
    /// A known user whose name and e-mail did not change costs one read (every poll of a
    /// verified widget comes here); anything else is one write transaction.
    public func claimSession(siteID: String, identity: VerifiedIdentity, presented: String, fresh: String, now: Date) async throws -> String {
        let known = try await database.read { c in
            try await c.rows("""
                SELECT v.session_id, v.name, v.email, COALESCE(s.site_id, t.site_id) FROM sanctum_verified_users v
                LEFT JOIN web_chat_sessions s ON s.id = v.session_id LEFT JOIN sanctum_session_tombstones t ON t.id = v.session_id
                WHERE v.site_id = \(siteID) AND v.user_id = \(identity.userID)
                """).first.map { try $0.decode((String, String?, String?, String?).self) }
        }
        if let known, known.3.map({ $0 == siteID }) ?? true, identity.name == nil || identity.name == known.1,
           identity.email == nil || identity.email == known.2 {
            return known.0
        }
        let stamp = Timestamps.database(now)
        return try await database.write { c in
            func owner(_ session: String) async throws -> String? {
                try await c.rows("""
                    SELECT site_id FROM web_chat_sessions WHERE id = \(session)
                    UNION ALL SELECT site_id FROM sanctum_session_tombstones WHERE id = \(session) LIMIT 1
                    """).first.map { try $0.decode(String.self) }
            }
            let known = try await c.rows("""
                SELECT session_id FROM sanctum_verified_users WHERE site_id = \(siteID) AND user_id = \(identity.userID) FOR UPDATE
                """).first.map { try $0.decode(String.self) }
            if let known, try await owner(known).map({ $0 == siteID }) ?? true {
                try await c.rows("""
                    UPDATE sanctum_verified_users SET name = COALESCE(\(identity.name), name), email = COALESCE(\(identity.email), email),
                        verified_at = \(stamp) WHERE site_id = \(siteID) AND user_id = \(identity.userID)
                    """)
                return known
            }
            let taken = try await !c.rows("SELECT 1 FROM sanctum_verified_users WHERE session_id = \(presented)").isEmpty
            let presentedOwner = try await owner(presented)
            let adopted = !taken && (presentedOwner.map { $0 == siteID } ?? true) ? presented : fresh
            if known != nil {
                try await c.rows("""
                    UPDATE sanctum_verified_users SET session_id = \(adopted), verified_at = \(stamp)
                    WHERE site_id = \(siteID) AND user_id = \(identity.userID)
                    """)
                return adopted
            }
            let row = try await c.rows("""
                INSERT INTO sanctum_verified_users (site_id, user_id, session_id, name, email, verified_at)
                VALUES (\(siteID), \(identity.userID), \(adopted), \(identity.name), \(identity.email), \(stamp))
                ON CONFLICT (site_id, user_id) DO UPDATE SET name = COALESCE(excluded.name, sanctum_verified_users.name),
                    email = COALESCE(excluded.email, sanctum_verified_users.email), verified_at = excluded.verified_at
                RETURNING session_id
                """)
            return try row[0].decode(String.self)
        }
    }

    public func identities(sessionIDs: [String]) async throws -> [String: VerifiedIdentity] {
        guard !sessionIDs.isEmpty else { return [:] }
        return try await database.read { c in
            let rows = try await c.run(Prepared<IdentitiesSQL> { $0.append(sessionIDs) }).map { row in
                let (session, user, name, email) = try row.decode((String, String, String?, String?).self)
                return (session, VerifiedIdentity(userID: user, name: name, email: email))
            }
            return Dictionary(rows, uniquingKeysWith: { first, _ in first })
        }
    }

    public func verifiedSession(siteID: String, userID: String) async throws -> String? {
        try await database.read { c in
            try await c.rows("SELECT session_id FROM sanctum_verified_users WHERE site_id = \(siteID) AND user_id = \(userID)")
                .first.map { try $0.decode(String.self) }
        }
    }
}

/// The verified identities of some conversations (every agent poll that takes messages asks):
/// $1 the session ids.
private enum IdentitiesSQL: PreparedSQL {
    static let sql = "SELECT session_id, user_id, name, email FROM sanctum_verified_users WHERE session_id = ANY($1::text[])"
}
