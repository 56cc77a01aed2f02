import Foundation
import SanctumServices

/// Events, read positions, leases and the console queries.
extension SQLiteChatStore {
    /// Appends an event in the current write transaction and publishes it after the commit.
    @discardableResult
    func appendEvent(_ c: SQLiteConnection, siteID: String, sessionID: String, type: String, data: JSON, now: Date) throws -> ChatEvent {
        let seq = (try c.scalar("SELECT seq FROM sanctum_events WHERE session_id = ? ORDER BY id DESC LIMIT 1", [.text(sessionID)])?.int ?? 0) + 1
        let text = data.compactText
        try c.run("INSERT INTO sanctum_events (site_id, session_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                  [.text(siteID), .text(sessionID), .int(seq), .text(type), .text(text), .double(now.timeIntervalSince1970)])
        let event = ChatEvent(id: c.lastInsertRowID, seq: seq, siteID: siteID, sessionID: sessionID, type: type, data: data, at: now)
        let sink = eventSink
        c.afterCommit { sink([event]) }
        return event
    }

    public func events(in scope: EventScope, after cursor: Int64, limit: Int) async throws -> [ChatEvent] {
        let (filter, bindings): (String, [SQLValue]) = switch scope {
        case .session(let id, let site): ("session_id = ? AND site_id = ? AND", [.text(id), .text(site)])
        case .site(let id): ("site_id = ? AND", [.text(id)])
        case .all: ("", [])
        }
        return try database.read { c in
            try c.query("SELECT id, seq, site_id, session_id, type, data, created_at FROM sanctum_events WHERE \(filter) id > ? ORDER BY id LIMIT ?",
                        bindings + [.int(cursor), .int(Int64(limit))]) { row in
                ChatEvent(id: row.int(0), seq: row.int(1), siteID: row.text(2) ?? "", sessionID: row.text(3) ?? "", type: row.text(4) ?? "",
                          data: JSON.parse(Array((row.text(5) ?? "{}").utf8)) ?? .object([:]),
                          at: Date(timeIntervalSince1970: row[6].doubleValue))
            }
        }
    }

    public func eventRange() async throws -> (purgedBelow: Int64, newest: Int64) {
        try database.read { c in
            let oldest = try c.scalar("SELECT MIN(id) FROM sanctum_events")?.int
            let sequence = try c.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'sanctum_events'")?.int ?? 0
            return (oldest ?? (sequence + 1), sequence)
        }
    }

    public func siteOfSession(_ sessionID: String) async throws -> String? {
        try database.read { try $0.scalar("SELECT site_id FROM web_chat_sessions WHERE id = ?", [.text(sessionID)])?.text }
    }

    public func recordTyping(siteID: String, sessionID: String, from: Party, active: Bool, now: Date) async throws {
        try await database.write { c in
            try Self.requireSession(c, sessionID, siteID: siteID)
            try self.appendEvent(c, siteID: siteID, sessionID: sessionID, type: "typing",
                                 data: ["from": .string(from.rawValue), "active": .bool(active)], now: now)
        }
    }

    public func markRead(siteID: String, sessionID: String, by: Party, upTo: Int64, now: Date) async throws {
        let column = by == .agent ? "agent_read_up_to" : "visitor_read_up_to"
        try await database.write { c in
            try Self.requireSession(c, sessionID, siteID: siteID)
            try c.run("INSERT OR IGNORE INTO sanctum_read_state (session_id) VALUES (?)", [.text(sessionID)])
            let moved = try c.run("UPDATE sanctum_read_state SET \(column) = ? WHERE session_id = ? AND \(column) < ?",
                                  [.int(upTo), .text(sessionID), .int(upTo)])
            if moved > 0 {
                if by == .agent {
                    // Reading implies delivery: messages the console read count as delivered.
                    try c.run("UPDATE web_chat_messages SET delivered_at = COALESCE(delivered_at, ?) WHERE session_id = ? AND id <= ?",
                              [.text(Timestamps.database(now)), .text(sessionID), .int(upTo)])
                }
                try self.appendEvent(c, siteID: siteID, sessionID: sessionID, type: "read",
                                     data: ["by": .string(by.rawValue), "up_to": .int(upTo)], now: now)
            }
        }
    }

    public func acknowledge(siteID: String, messageIDs: [Int64], now: Date) async throws -> Int {
        guard !messageIDs.isEmpty else { return 0 }
        let stamp = SQLValue.text(Timestamps.database(now))
        return try await database.write { c in
            var count = 0
            for id in Set(messageIDs) {
                count += try c.run("""
                    UPDATE web_chat_messages SET processed = 1, lease_until = NULL, delivered_at = COALESCE(delivered_at, ?)
                    WHERE id = ? AND site_id = ? AND processed = 0
                    """, [stamp, .int(id), .text(siteID)])
            }
            return count
        }
    }

    public func conversations(siteID: String?, query: String?, limit: Int, offset: Int) async throws -> (items: [ConversationSummary], total: Int64) {
        var conditions: [String] = []
        var bindings: [SQLValue] = []
        if let siteID { conditions.append("s.site_id = ?"); bindings.append(.text(siteID)) }
        let searching = !(query ?? "").isEmpty
        if let query, searching {
            // Prefix ranges, so the id and uid indexes find the matches without a scan.
            conditions.append("((s.id >= ? AND s.id < ?) OR (s.uid >= ? AND s.uid < ?))")
            let end = SQLValue.text(query + "\u{10FFFF}")
            bindings += [.text(query), end, .text(query), end]
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try database.read { c in
            let rows = try c.query(ConversationQueries.page(filter: filter), bindings + [.int(Int64(limit)), .int(Int64(offset))]) { r in
                ConversationSummary(sessionID: r.text(0) ?? "", uid: r.text(1), siteID: r.text(2) ?? defaultSiteID, lastActive: r.text(3),
                                    lastMessage: nil, unread: r.int(6), messageCount: r.int(4), responseCount: r.int(5))
            }
            let items = try rows.map { row -> ConversationSummary in
                var row = row
                let message = try c.query(ConversationQueries.lastMessage, [.text(row.sessionID)]) { ("message", $0.text(0) ?? "", $0.text(1) ?? "") }.first
                let reply = try c.query(ConversationQueries.lastReply, [.text(row.sessionID)]) { ("reply", $0.text(0) ?? "", $0.text(1) ?? "") }.first
                switch (message, reply) {
                case let (m?, r?): row.lastMessage = r.2 >= m.2 ? r : m
                case let (m?, nil): row.lastMessage = m
                case let (nil, r?): row.lastMessage = r
                case (nil, nil): break
                }
                return row
            }
            let total = try searching
                ? c.scalar("SELECT COUNT(*) FROM web_chat_sessions s" + filter, bindings)?.int ?? 0
                : c.scalar(ConversationQueries.count(siteID: siteID), siteID.map { [.text($0)] } ?? [])?.int ?? 0
            return (items, total)
        }
    }

    public func conversationHistory(siteID: String?, sessionID: String) async throws -> ConversationHistory? {
        try database.read { c in
            guard let session = try c.query("SELECT uid, site_id FROM web_chat_sessions WHERE id = ?", [.text(sessionID)], row: { ($0.text(0), $0.text(1) ?? defaultSiteID) }).first,
                  siteID == nil || session.1 == siteID else { return nil }
            let read = try c.query("SELECT agent_read_up_to, visitor_read_up_to FROM sanctum_read_state WHERE session_id = ?",
                                   [.text(sessionID)]) { ($0.int(0), $0.int(1)) }.first ?? (0, 0)
            var items = try c.query("SELECT id, message, timestamp, processed, delivered_at, lease_until, metadata FROM web_chat_messages WHERE session_id = ?",
                                    [.text(sessionID)]) { r -> HistoryItem in
                let id = r.int(0)
                let delivered = r.int(3) == 1 || r.text(4) != nil || r.optionalInt(5) != nil || r[5] != .null
                return HistoryItem(type: "message", id: id, text: r.text(1) ?? "", timestamp: r.text(2) ?? "",
                                   status: id <= read.0 ? "read" : delivered ? "delivered" : "sent", metadata: r.metadata(6))
            }
            items += try c.query("SELECT id, response, timestamp, metadata FROM web_chat_responses WHERE session_id = ?", [.text(sessionID)]) { r in
                HistoryItem(type: "reply", id: r.int(0), text: r.text(1) ?? "", timestamp: r.text(2) ?? "",
                            status: r.int(0) <= read.1 ? "read" : "sent", metadata: r.metadata(3))
            }
            items.sort { ($0.timestamp, $0.type == "message" ? 0 : 1, $0.id) < ($1.timestamp, $1.type == "message" ? 0 : 1, $1.id) }
            let last = try c.scalar("SELECT MAX(id) FROM sanctum_events WHERE session_id = ?", [.text(sessionID)])?.int ?? 0
            return ConversationHistory(sessionID: sessionID, uid: session.0, siteID: session.1, items: items,
                                       agentReadUpTo: read.0, visitorReadUpTo: read.1, lastEventID: last)
        }
    }

    public func appendPluginEvent(siteID: String?, pluginID: String, name: String, attributes: [String: String], now: Date) async throws {
        try await database.write { c in
            try self.appendEvent(c, siteID: siteID ?? "", sessionID: "", type: "plugin",
                                 data: ChatEvent.pluginData(pluginID: pluginID, name: name, attributes: attributes), now: now)
        }
    }

    public func purgeEvents(olderThan: Date, typingOlderThan: Date) async throws -> Int {
        try await database.write { c in
            try c.run("DELETE FROM sanctum_events WHERE created_at < ? OR (type = 'typing' AND created_at < ?)",
                      [.double(olderThan.timeIntervalSince1970), .double(typingOlderThan.timeIntervalSince1970)])
        }
    }

    /// Throws unless the session exists and belongs to `siteID`.
    static func requireSession(_ c: SQLiteConnection, _ sessionID: String, siteID: String) throws {
        guard let owner = try c.scalar("SELECT site_id FROM web_chat_sessions WHERE id = ?", [.text(sessionID)])?.text else {
            throw StoreRefusal.unknownSession
        }
        guard owner == siteID else { throw StoreRefusal.otherSite }
    }
}

extension SQLValue {
    /// The numeric payload as a double (0 for NULL or text).
    var doubleValue: Double {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: 0
        }
    }
}
