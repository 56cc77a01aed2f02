import Foundation
import SanctumServices

/// ``ChatStore`` on SQLite: the embedded default.
public final class SQLiteChatStore: ChatStore {
    /// The underlying database (shared with the key store).
    public let database: Database
    /// Receives committed events (on the writer thread, in commit order; must not block).
    let eventSink: @Sendable ([ChatEvent]) -> Void

    /// Opens the store on `database`, migrating its schema forward first.
    public init(database: Database, eventSink: @escaping @Sendable ([ChatEvent]) -> Void = { _ in }) async throws {
        self.database = database
        self.eventSink = eventSink
        _ = try await database.write { try Schema.migrate($0) }
    }

    public func postMessage(siteID: String, sessionID: String, text: String, metadata: JSON?, clientMessageID: String?, ip: String?,
                            now: Date) async throws -> PostedMessage {
        try await database.write { c in
            let session = try Self.ensureSession(c, id: sessionID, siteID: siteID, ip: ip, now: now)
            if let clientMessageID,
               let existing = try c.scalar("SELECT id FROM web_chat_messages WHERE session_id = ? AND client_message_id = ?",
                                           [.text(sessionID), .text(clientMessageID)])?.int {
                return PostedMessage(messageID: existing, uid: session.uid, isNewUser: false, replayed: true)
            }
            let stamp = Timestamps.database(now)
            try c.run("""
                INSERT INTO web_chat_messages (session_id, message, timestamp, processed, client_message_id, site_id, metadata)
                VALUES (?, ?, ?, 0, ?, ?, ?)
                """, [.text(sessionID), .text(text), .text(stamp), clientMessageID.map(SQLValue.text) ?? .null, .text(siteID),
                      SQLValue(metadata: metadata)])
            let id = c.lastInsertRowID
            if !session.created { try Self.markActive(c, sessionID, stamp) }
            try self.appendEvent(c, siteID: siteID, sessionID: sessionID, type: "message",
                                 data: ChatEvent.messageData(["message_id": .int(id), "text": .string(text), "timestamp": .string(stamp),
                                                              "client_message_id": .optional(clientMessageID)], metadata: metadata), now: now)
            return PostedMessage(messageID: id, uid: session.uid, isNewUser: session.created)
        }
    }

    public func pendingCount(siteID: String, since: String?, now: Date) async throws -> Int64 {
        try database.read { c in try Self.pendingCount(c, siteID: siteID, since: since, now: now) }
    }

    /// The deliverable messages of a site, at a cost independent of the backlog: the per-site
    /// counter (schema version 6) less the messages held by active leases, which are few. With
    /// `since` the messages newer than it are counted, which the pending index bounds to them.
    static func pendingCount(_ c: SQLiteConnection, siteID: String, since: String?, now: Date) throws -> Int64 {
        if since != nil {
            let (filter, bindings) = try pendingFilter(c, siteID: siteID, since: since, now: now)
            return try c.scalar("SELECT COUNT(*) FROM web_chat_messages m INDEXED BY sanctum_messages_pending WHERE \(filter)", bindings)?.int ?? 0
        }
        let pending = try c.scalar(PendingQueries.counter, [.text(siteID)])?.int ?? 0
        let time = SQLValue.double(now.timeIntervalSince1970)
        guard pending > 0, try c.scalar(PendingQueries.anyActiveLease, [time]) != nil else { return pending }
        return pending - (try c.scalar(PendingQueries.heldByLeases, [.text(siteID), time])?.int ?? 0)
    }

    /// The WHERE clause of deliverable messages: pending, of the site, not under lease, and — while
    /// any lease is active — not behind an earlier message of the same conversation that is under
    /// lease, so a lease that runs out (an agent died) never lets later messages of that
    /// conversation overtake it. (Without active leases the extra check is skipped: it would cost
    /// a probe per pending message.)
    private static func pendingFilter(_ c: SQLiteConnection, siteID: String, since: String?, now: Date) throws -> (String, [SQLValue]) {
        let time = SQLValue.double(now.timeIntervalSince1970)
        var filter = "m.processed = 0 AND m.site_id = ? AND (m.lease_until IS NULL OR m.lease_until <= ?)"
        var bindings: [SQLValue] = [.text(siteID), time]
        let leasesActive = try c.scalar(PendingQueries.anyActiveLease, [time]) != nil
        if leasesActive {
            filter += """
                 AND NOT EXISTS (SELECT 1 FROM web_chat_messages e INDEXED BY sanctum_messages_leased
                    WHERE e.session_id = m.session_id AND e.processed = 0 AND e.lease_until IS NOT NULL AND e.lease_until > ? AND e.id < m.id)
                """
            bindings.append(time)
        }
        if let since {
            filter += " AND m.timestamp > ?"
            bindings.append(.text(since))
        }
        return (filter, bindings)
    }

    public func takeInbox(siteID: String, limit: Int, offset: Int, since: String?, lease: TimeInterval?, now: Date) async throws -> InboxPage {
        // The partial index keeps both queries proportional to the site's pending messages, however
        // many delivered rows the table holds.
        @Sendable func select(_ filter: String) -> String {
            """
            SELECT m.id, m.session_id, m.message, m.timestamp, s.uid, m.metadata FROM web_chat_messages m INDEXED BY sanctum_messages_pending
            LEFT JOIN web_chat_sessions s ON s.id = m.session_id WHERE \(filter) ORDER BY m.timestamp, m.id LIMIT ? OFFSET ?
            """
        }
        // The total is counted on a reader, outside the single write transaction (it is a snapshot
        // either way); the writer only selects and marks one page.
        let total = try database.read { c in try Self.pendingCount(c, siteID: siteID, since: since, now: now) }
        if total == 0 { return InboxPage(messages: [], total: 0) }
        let stamp = SQLValue.text(Timestamps.database(now))
        return try await database.write { c in
            let (filter, bindings) = try Self.pendingFilter(c, siteID: siteID, since: since, now: now)
            let messages = try c.query(select(filter), bindings + [.int(Int64(limit)), .int(Int64(offset))]) {
                InboxMessage(id: $0.int(0), sessionID: $0.text(1) ?? "", message: $0.text(2) ?? "", timestamp: $0.text(3) ?? "", uid: $0.text(4),
                             metadata: $0.metadata(5))
            }
            for message in messages {
                if let lease {
                    try c.run("UPDATE web_chat_messages SET lease_until = ?, delivered_at = COALESCE(delivered_at, ?) WHERE id = ?",
                              [.double(now.timeIntervalSince1970 + lease), stamp, .int(message.id)])
                } else {
                    try c.run("UPDATE web_chat_messages SET processed = 1, lease_until = NULL, delivered_at = COALESCE(delivered_at, ?) WHERE id = ?",
                              [stamp, .int(message.id)])
                }
            }
            for (sessionID, ids) in Dictionary(grouping: messages, by: \.sessionID) {
                try self.appendEvent(c, siteID: siteID, sessionID: sessionID, type: "delivered",
                                     data: ["message_ids": .array(ids.map { .int($0.id) })], now: now)
            }
            return InboxPage(messages: messages, total: max(total, Int64(messages.count)))
        }
    }

    public func postReply(siteID: String, sessionID: String, text: String, metadata: JSON?, messageID: JSON, clientResponseID: String?,
                          now: Date) async throws -> (id: Int64, replayed: Bool) {
        try await database.write { c in
            if let owner = try c.scalar("SELECT site_id FROM web_chat_sessions WHERE id = ?", [.text(sessionID)])?.text {
                guard owner == siteID else { throw StoreRefusal.otherSite }
            } else {
                let tombstone = try c.scalar("SELECT site_id FROM sanctum_session_tombstones WHERE id = ?", [.text(sessionID)])?.text
                let hasMessages = try c.scalar("SELECT 1 FROM web_chat_messages WHERE session_id = ? LIMIT 1", [.text(sessionID)]) != nil
                guard tombstone != nil || hasMessages else { throw StoreRefusal.unknownSession }
                guard (tombstone ?? defaultSiteID) == siteID else { throw StoreRefusal.otherSite }
                _ = try Self.ensureSession(c, id: sessionID, siteID: siteID, ip: nil, now: now)
            }
            if let clientResponseID,
               let existing = try c.scalar("SELECT id FROM web_chat_responses WHERE session_id = ? AND client_response_id = ?",
                                           [.text(sessionID), .text(clientResponseID)])?.int {
                return (existing, true)
            }
            let stamp = Timestamps.database(now)
            try c.run("INSERT INTO web_chat_responses (session_id, response, timestamp, message_id, client_response_id, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                      [.text(sessionID), .text(text), .text(stamp), SQLValue(json: messageID), clientResponseID.map(SQLValue.text) ?? .null,
                       SQLValue(metadata: metadata)])
            let id = c.lastInsertRowID
            try Self.markActive(c, sessionID, stamp)
            try self.appendEvent(c, siteID: siteID, sessionID: sessionID, type: "reply",
                                 data: ChatEvent.messageData(["response_id": .int(id), "text": .string(text), "timestamp": .string(stamp),
                                                              "message_id": messageID], metadata: metadata), now: now)
            return (id, false)
        }
    }

    public func replies(siteID: String, sessionID: String, since: String?, sinceID: Int64?, ip: String?, now: Date) async throws -> [Reply] {
        let sql = Self.replySelect + " WHERE session_id = ?"
            + (since == nil ? "" : " AND timestamp > ?") + (sinceID == nil ? "" : " AND id > ?") + " ORDER BY timestamp, id"
        let bindings: [SQLValue] = [.text(sessionID)] + (since.map { [.text($0)] } ?? []) + (sinceID.map { [.int($0)] } ?? [])
        @Sendable func fetch(_ c: SQLiteConnection) throws -> (owner: String?, replies: [Reply]) {
            guard let owner = try c.scalar("SELECT site_id FROM web_chat_sessions WHERE id = ?", [.text(sessionID)])?.text else {
                return (nil, [])
            }
            return (owner, try c.query(sql, bindings, row: Self.reply))
        }
        let result = try database.read(fetch)
        guard result.owner == nil || result.owner == siteID else { throw StoreRefusal.otherSite }
        return result.replies
    }

    public func sessions(activeSince: String?, limit: Int, offset: Int) async throws -> (sessions: [SessionSummary], total: Int64) {
        let filter = activeSince == nil ? "" : " WHERE s.last_active > ?"
        let bindings: [SQLValue] = activeSince.map { [.text($0)] } ?? []
        return try database.read { c in
            let rows = try c.query(Self.summarySelect + filter + " ORDER BY s.last_active DESC, s.id LIMIT ? OFFSET ?",
                                   bindings + [.int(Int64(limit)), .int(Int64(offset))], row: Self.summary)
            let total = try c.scalar("SELECT COUNT(*) FROM web_chat_sessions s" + filter, bindings)?.int ?? 0
            return (rows, total)
        }
    }

    public func history(sessionID: String) async throws -> (session: SessionSummary, messages: [HistoryMessage], replies: [Reply])? {
        try database.read { c in
            guard let session = try c.query(Self.summarySelect + " WHERE s.id = ?", [.text(sessionID)], row: Self.summary).first else { return nil }
            let messages = try c.query("SELECT id, session_id, message, timestamp FROM web_chat_messages WHERE session_id = ? ORDER BY timestamp, id",
                                       [.text(sessionID)]) {
                HistoryMessage(id: $0.int(0), sessionID: $0.text(1) ?? "", message: $0.text(2) ?? "", timestamp: $0.text(3) ?? "")
            }
            let replies = try c.query(Self.replySelect + " WHERE session_id = ? ORDER BY timestamp, id", [.text(sessionID)], row: Self.reply)
            return (session, messages, replies)
        }
    }

    public func configuration() async throws -> [(key: String, value: JSON)] {
        try database.read { c in try c.query("SELECT config_key, config_value FROM system_config ORDER BY id") { ($0.text(0) ?? "", $0[1].json) } }
    }

    public func setConfiguration(_ values: [(key: String, value: JSON)], now: Date) async throws {
        let stamp = SQLValue.text(Timestamps.database(now))
        try await database.write { c in
            for (key, value) in values {
                try c.run("""
                    INSERT INTO system_config (config_key, config_value, created_at, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(config_key) DO UPDATE SET config_value = excluded.config_value, updated_at = excluded.updated_at
                    """, [.text(key), SQLValue(json: value), stamp, stamp])
            }
        }
    }

    public func deleteIdleSessions(before cutoff: String, now: Date) async throws -> Int {
        let stamp = SQLValue.text(Timestamps.database(now))
        return try await database.write { c in
            let idle = try c.query("""
                SELECT s.id, s.uid, s.site_id FROM web_chat_sessions s WHERE s.last_active < ?
                AND NOT EXISTS (SELECT 1 FROM web_chat_messages m WHERE m.session_id = s.id AND m.processed = 0)
                """, [.text(cutoff)]) { ($0.text(0) ?? "", $0[1], $0[2]) }
            for (id, uid, site) in idle {
                try c.run("INSERT OR REPLACE INTO sanctum_session_tombstones (id, uid, deleted_at, site_id) VALUES (?, ?, ?, ?)",
                          [.text(id), uid, stamp, site])
                try c.run("DELETE FROM web_chat_responses WHERE session_id = ?", [.text(id)])
                try c.run("DELETE FROM web_chat_messages WHERE session_id = ?", [.text(id)])
                try c.run("DELETE FROM web_chat_sessions WHERE id = ?", [.text(id)])
                try c.run("DELETE FROM sanctum_read_state WHERE session_id = ?", [.text(id)])
                try self.appendEvent(c, siteID: site.text ?? defaultSiteID, sessionID: "", type: ChatEvent.conversationDeleted,
                                     data: ChatEvent.conversationDeletedData(sessionID: id, reason: "cleanup"), now: now)
            }
            return idle.count
        }
    }

    public func clearAll(now: Date) async throws -> DataCounts {
        let counts = try await database.write { c in
            func count(_ table: String) throws -> Int64 { try c.scalar("SELECT COUNT(*) FROM \(table)")?.int ?? 0 }
            let counts = DataCounts(sessions: try count("web_chat_sessions"), messages: try count("web_chat_messages"),
                                    responses: try count("web_chat_responses"))
            let deleted = try c.query("""
                SELECT id, site_id FROM web_chat_sessions UNION SELECT id, site_id FROM sanctum_session_tombstones ORDER BY 1
                """) { ($0.text(0) ?? "", $0.text(1) ?? defaultSiteID) }
            try c.execute("""
                DELETE FROM web_chat_responses; DELETE FROM web_chat_messages; DELETE FROM web_chat_sessions;
                DELETE FROM rate_limits; DELETE FROM sanctum_session_tombstones;
                DELETE FROM sanctum_events; DELETE FROM sanctum_read_state; DELETE FROM sanctum_verified_users;
                """)
            for (id, site) in deleted {
                try self.appendEvent(c, siteID: site, sessionID: "", type: ChatEvent.conversationDeleted,
                                     data: ChatEvent.conversationDeletedData(sessionID: id, reason: "clear"), now: now)
            }
            return counts
        }
        try await database.checkpoint()
        return counts
    }

    public func touch(sessionIDs: [String], now: Date) async throws {
        guard !sessionIDs.isEmpty else { return }
        let stamp = Timestamps.database(now)
        try await database.write { c in
            for id in sessionIDs { try Self.markActive(c, id, stamp) }
        }
    }

    public func siteKeys() async throws -> [String: String] {
        try database.read { c in
            Dictionary(try c.query("SELECT id, agent_key_hash FROM sanctum_sites") { ($0.text(0) ?? "", $0.text(1) ?? "") },
                       uniquingKeysWith: { first, _ in first })
        }
    }

    public func setSiteKey(siteID: String, hash: String, now: Date) async throws {
        let stamp = SQLValue.text(Timestamps.database(now))
        try await database.write { c in
            try c.run("""
                INSERT INTO sanctum_sites (id, agent_key_hash, created_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET agent_key_hash = excluded.agent_key_hash, updated_at = excluded.updated_at
                """, [.text(siteID), .text(hash), stamp, stamp])
        }
    }

    public func pluginValue(pluginID: String, key: String, now: Date) async throws -> Data? {
        try database.read { c in try Self.livePluginValue(c, pluginID: pluginID, key: key, now: now)?.value }
    }

    /// Runs on the writer thread inside its own savepoint of the batch's transaction, so nothing
    /// else writes between the reads and the writes (a read sees this batch's earlier writes).
    public func applyPluginWrites(pluginID: String, writes: [PluginDataWrite], now: Date) async throws -> [Data?] {
        try await database.write { c in
            try Self.purgeExpiredPluginValues(c, pluginID: pluginID, now: now)
            return try writes.map { write in
                var current: (value: Data, expiresAt: Date?)?
                if case .update = write.change { current = try Self.livePluginValue(c, pluginID: pluginID, key: write.key, now: now) }
                let new = try write.apply(to: current)
                try Self.writePluginValue(c, pluginID: pluginID, key: write.key, value: new?.value, expiresAt: new?.expiresAt, now: now)
                return new?.value
            }
        }
    }

    public func pluginValues(keyContaining needle: String, now: Date, limit: Int) async throws -> [StoredPluginValue] {
        try database.read { c in
            try c.query("""
                SELECT plugin_id, key, value FROM sanctum_plugin_data WHERE instr(key, ?) > 0
                AND (expires_at IS NULL OR expires_at > ?) ORDER BY plugin_id, key LIMIT ?
                """, [.text(needle), .double(now.timeIntervalSince1970), .int(Int64(limit))]) { row -> StoredPluginValue? in
                guard let value = row.text(2).flatMap({ Data(base64Encoded: $0) }) else { return nil }
                return StoredPluginValue(pluginID: row.text(0) ?? "", key: row.text(1) ?? "", value: value)
            }.compactMap { $0 }
        }
    }

    public func pluginKeys(pluginID: String, prefix: String, now: Date) async throws -> [String] {
        try database.read { c in
            try c.query("""
                SELECT key FROM sanctum_plugin_data WHERE plugin_id = ? AND substr(key, 1, length(?)) = ?
                AND (expires_at IS NULL OR expires_at > ?) ORDER BY key
                """, [.text(pluginID), .text(prefix), .text(prefix), .double(now.timeIntervalSince1970)]) { $0.text(0) ?? "" }
        }
    }

    /// A plugin's value (base64 in the table) and expiry, unless it has expired at `now`.
    private static func livePluginValue(_ c: SQLiteConnection, pluginID: String, key: String, now: Date) throws -> (value: Data, expiresAt: Date?)? {
        try c.query("""
            SELECT value, expires_at FROM sanctum_plugin_data WHERE plugin_id = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)
            """, [.text(pluginID), .text(key), .double(now.timeIntervalSince1970)]) { row -> (value: Data, expiresAt: Date?)? in
            guard let value = row.text(0).flatMap({ Data(base64Encoded: $0) }) else { return nil }
            return (value, row.double(1).map { Date(timeIntervalSince1970: $0) })
        }.first ?? nil
    }

    private static func writePluginValue(_ c: SQLiteConnection, pluginID: String, key: String, value: Data?, expiresAt: Date?, now: Date) throws {
        guard let value else {
            try c.run("DELETE FROM sanctum_plugin_data WHERE plugin_id = ? AND key = ?", [.text(pluginID), .text(key)])
            return
        }
        try c.run("INSERT OR REPLACE INTO sanctum_plugin_data (plugin_id, key, value, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                  [.text(pluginID), .text(key), .text(value.base64EncodedString()), .text(Timestamps.database(now)),
                   expiresAt.map { .double($0.timeIntervalSince1970) } ?? .null])
    }

    public func purgeExpiredPluginValues(now: Date) async throws -> Int {
        try await database.write { c in
            try c.run("DELETE FROM sanctum_plugin_data WHERE expires_at IS NOT NULL AND expires_at <= ?", [.double(now.timeIntervalSince1970)])
        }
    }

    /// Deletes the plugin's expired values (every write of a plugin does, so they never pile up).
    private static func purgeExpiredPluginValues(_ c: SQLiteConnection, pluginID: String, now: Date) throws {
        try c.run("DELETE FROM sanctum_plugin_data WHERE plugin_id = ? AND expires_at IS NOT NULL AND expires_at <= ?",
                  [.text(pluginID), .double(now.timeIntervalSince1970)])
    }

    // MARK: - Helpers run inside a write transaction

    /// Finds or creates the session row of `siteID`; a session deleted by cleanup comes back with
    /// its old uid. Another site's session is refused.
    static func ensureSession(_ c: SQLiteConnection, id: String, siteID: String, ip: String?, now: Date) throws -> (uid: String, created: Bool) {
        if let row = try c.query("SELECT uid, site_id FROM web_chat_sessions WHERE id = ?", [.text(id)], row: { ($0.text(0), $0.text(1)) }).first {
            guard (row.1 ?? defaultSiteID) == siteID else { throw StoreRefusal.otherSite }
            if let uid = row.0 { return (uid, false) }
            let uid = try freshUID(c)
            try c.run("UPDATE web_chat_sessions SET uid = ? WHERE id = ?", [.text(uid), .text(id)])
            return (uid, false)
        }
        let tombstone = try c.query("SELECT uid, site_id FROM sanctum_session_tombstones WHERE id = ?", [.text(id)]) { ($0.text(0), $0.text(1)) }.first
        if let tombstone, (tombstone.1 ?? defaultSiteID) != siteID { throw StoreRefusal.otherSite }
        let previous = tombstone?.0
        let uid = try previous ?? freshUID(c)
        let stamp = SQLValue.text(Timestamps.database(now))
        try c.run("INSERT INTO web_chat_sessions (id, uid, created_at, last_active, ip_address, metadata, site_id) VALUES (?, ?, ?, ?, ?, '{}', ?)",
                  [.text(id), .text(uid), stamp, stamp, ip.map(SQLValue.text) ?? .null, .text(siteID)])
        if previous != nil { try c.run("DELETE FROM sanctum_session_tombstones WHERE id = ?", [.text(id)]) }
        return (uid, true)
    }

    /// 16 lowercase hex characters from the CSPRNG, unused by any session.
    private static func freshUID(_ c: SQLiteConnection) throws -> String {
        var rng = SystemRandomNumberGenerator()
        while true {
            let uid = (0..<8).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16).leftPadded(to: 2) }.joined()
            if try c.scalar("SELECT 1 FROM web_chat_sessions WHERE uid = ?", [.text(uid)]) == nil { return uid }
        }
    }

    private static func markActive(_ c: SQLiteConnection, _ id: String, _ stamp: String) throws {
        try c.run("UPDATE web_chat_sessions SET last_active = ? WHERE id = ? AND (last_active IS NULL OR last_active < ?)",
                  [.text(stamp), .text(id), .text(stamp)])
    }

    /// The columns ``reply(_:)`` reads.
    private static let replySelect = "SELECT id, response, timestamp, message_id, metadata FROM web_chat_responses"

    private static func reply(_ r: Row) -> Reply {
        Reply(id: r.int(0), response: r.text(1) ?? "", timestamp: r.text(2) ?? "", messageID: r[3].json, metadata: r.metadata(4))
    }

    private static let summarySelect = """
        SELECT s.id, s.uid, s.created_at, s.last_active, s.ip_address, s.metadata,
        (SELECT COUNT(*) FROM web_chat_messages m WHERE m.session_id = s.id),
        (SELECT COUNT(*) FROM web_chat_responses r WHERE r.session_id = s.id)
        FROM web_chat_sessions s
        """

    private static func summary(_ r: Row) -> SessionSummary {
        SessionSummary(id: r.text(0) ?? "", uid: r.text(1), createdAt: r.text(2), lastActive: r.text(3), ipAddress: r.text(4),
                       metadata: r.text(5), messageCount: r.int(6), responseCount: r.int(7))
    }
}
