import Foundation
import SanctumServices

/// Verified users and their conversations (``IdentityStore``): `sanctum_verified_users`.
extension SQLiteChatStore {
    /// A known user whose name and e-mail did not change costs one read (every poll of a
    /// verified widget comes here); anything else is one write transaction.
    public func claimSession(siteID: String, identity: VerifiedIdentity, presented: String, fresh: String, now: Date) async throws -> String {
        let known = try database.read { c in
            try c.query("""
                SELECT v.session_id, v.name, v.email, COALESCE(s.site_id, t.site_id) FROM sanctum_verified_users v
                LEFT JOIN web_chat_sessions s ON s.id = v.session_id LEFT JOIN sanctum_session_tombstones t ON t.id = v.session_id
                WHERE v.site_id = ? AND v.user_id = ?
                """, [.text(siteID), .text(identity.userID)]) { ($0.text(0) ?? "", $0.text(1), $0.text(2), $0.text(3)) }.first
        }
        if let known, known.3.map({ $0 == siteID }) ?? true, identity.name == nil || identity.name == known.1,
           identity.email == nil || identity.email == known.2 {
            return known.0
        }
        let stamp = SQLValue.text(Timestamps.database(now))
        let name = identity.name.map(SQLValue.text) ?? .null, email = identity.email.map(SQLValue.text) ?? .null
        return try await database.write { c in
            func owner(_ session: String) throws -> String? {
                try c.scalar("""
                    SELECT site_id FROM web_chat_sessions WHERE id = ?1
                    UNION ALL SELECT site_id FROM sanctum_session_tombstones WHERE id = ?1 LIMIT 1
                    """, [.text(session)])?.text
            }
            if let known = try c.scalar("SELECT session_id FROM sanctum_verified_users WHERE site_id = ? AND user_id = ?",
                                        [.text(siteID), .text(identity.userID)])?.text,
               try owner(known).map({ $0 == siteID }) ?? true {
                try c.run("""
                    UPDATE sanctum_verified_users SET name = COALESCE(?, name), email = COALESCE(?, email), verified_at = ?
                    WHERE site_id = ? AND user_id = ?
                    """, [name, email, stamp, .text(siteID), .text(identity.userID)])
                return known
            }
            let taken = try c.scalar("SELECT 1 FROM sanctum_verified_users WHERE session_id = ?", [.text(presented)]) != nil
            let presentedIsFree = try owner(presented).map { $0 == siteID } ?? true
            let adopted = !taken && presentedIsFree ? presented : fresh
            try c.run("""
                INSERT INTO sanctum_verified_users (site_id, user_id, session_id, name, email, verified_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (site_id, user_id) DO UPDATE SET session_id = excluded.session_id, name = COALESCE(excluded.name, name),
                    email = COALESCE(excluded.email, email), verified_at = excluded.verified_at
                """, [.text(siteID), .text(identity.userID), .text(adopted), name, email, stamp])
            return adopted
        }
    }

    public func identities(sessionIDs: [String]) async throws -> [String: VerifiedIdentity] {
        guard !sessionIDs.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: sessionIDs.count).joined(separator: ", ")
        return try database.read { c in
            let rows = try c.query("SELECT session_id, user_id, name, email FROM sanctum_verified_users WHERE session_id IN (\(marks))",
                                   sessionIDs.map(SQLValue.text)) { row in
                (row.text(0) ?? "", VerifiedIdentity(userID: row.text(1) ?? "", name: row.text(2), email: row.text(3)))
            }
            return Dictionary(rows, uniquingKeysWith: { first, _ in first })
        }
    }

    public func verifiedSession(siteID: String, userID: String) async throws -> String? {
        try database.read { c in
            try c.scalar("SELECT session_id FROM sanctum_verified_users WHERE site_id = ? AND user_id = ?", [.text(siteID), .text(userID)])?.text
        }
    }
}
