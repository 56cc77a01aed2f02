import Foundation
import PostgresNIO
import SanctumServices

/// Events, read positions and the console queries.
extension PostgresChatStore {
    public func events(in scope: EventScope, after cursor: Int64, limit: Int) async throws -> [ChatEvent] {
        try await database.read { c in try await EventLog.events(in: scope, after: cursor, limit: limit, on: c) }
    }

    public func eventRange() async throws -> (purgedBelow: Int64, newest: Int64) {
        try await database.read { c in try await EventLog.range(on: c) }
    }

    public func recordTyping(siteID: String, sessionID: String, from: Party, active: Bool, now: Date) async throws {
        try await write { c in
            try await Self.requireSession(c, sessionID, siteID: siteID)
            return ((), [EventDraft(siteID: siteID, sessionID: sessionID, type: "typing",
                                    data: ["from": .string(from.rawValue), "active": .bool(active)], now: now)])
        }
    }

    public func markRead(siteID: String, sessionID: String, by: Party, upTo: Int64, now: Date) async throws {
        try await write { c in
            try await Self.requireSession(c, sessionID, siteID: siteID)
            try await c.rows("INSERT INTO sanctum_read_state (session_id) VALUES (\(sessionID)) ON CONFLICT (session_id) DO NOTHING")
            let moved: [PostgresRow]
            if by == .agent {
                moved = try await c.rows("""
                    UPDATE sanctum_read_state SET agent_read_up_to = \(upTo) WHERE session_id = \(sessionID) AND agent_read_up_to < \(upTo) RETURNING 1
                    """)
            } else {
                moved = try await c.rows("""
                    UPDATE sanctum_read_state SET visitor_read_up_to = \(upTo) WHERE session_id = \(sessionID) AND visitor_read_up_to < \(upTo) RETURNING 1
                    """)
            }
            guard !moved.isEmpty else { return ((), []) }
            if by == .agent {
                // Reading implies delivery: messages the console read count as delivered.
                try await c.rows("""
                    UPDATE web_chat_messages SET delivered_at = COALESCE(delivered_at, \(Timestamps.database(now)))
                    WHERE session_id = \(sessionID) AND id <= \(upTo)
                    """)
            }
            return ((), [EventDraft(siteID: siteID, sessionID: sessionID, type: "read",
                                    data: ["by": .string(by.rawValue), "up_to": .int(upTo)], now: now)])
        }
    }

    public func appendPluginEvent(siteID: String?, pluginID: String, name: String, attributes: [String: String], now: Date) async throws {
        try await write { _ in
            ((), [EventDraft(siteID: siteID ?? "", sessionID: "", type: "plugin",
                             data: ChatEvent.pluginData(pluginID: pluginID, name: name, attributes: attributes), now: now)])
        }
    }

    public func purgeEvents(olderThan: Date, typingOlderThan: Date) async throws -> Int {
        try await database.write { c in
            try await c.rows("""
                DELETE FROM sanctum_events WHERE created_at < \(olderThan.timeIntervalSince1970)
                OR (type = 'typing' AND created_at < \(typingOlderThan.timeIntervalSince1970)) RETURNING 1
                """).count
        }
    }

    public func conversations(siteID: String?, query: String?, limit: Int, offset: Int) async throws -> (items: [ConversationSummary], total: Int64) {
        let prefix = query.flatMap { $0.isEmpty ? nil : $0 }
        return try await database.read { c in
            let items = try await c.rows(PostgresConversationQueries.page(siteID: siteID, prefix: prefix, limit: limit, offset: offset))
                .map(Self.conversation)
            let total: Int64 = try await c.value(PostgresConversationQueries.total(siteID: siteID, prefix: prefix)) ?? 0
            return (items, total)
        }
    }

    /// A console row: the counts and the later of the last message and the last reply.
    private static func conversation(_ row: PostgresRow) throws -> ConversationSummary {
        let (id, uid, site, active, messages, responses, unread, message, messageStamp, reply, replyStamp) =
            try row.decode((String, String?, String, String?, Int64, Int64, Int64, Data?, String?, Data?, String?).self)
        var last: (type: String, text: String, timestamp: String)?
        if let message, let messageStamp { last = ("message", String(decoding: message, as: UTF8.self), messageStamp) }
        if let reply, let replyStamp, last == nil || replyStamp >= last!.timestamp {
            last = ("reply", String(decoding: reply, as: UTF8.self), replyStamp)
        }
        return ConversationSummary(sessionID: id, uid: uid, siteID: site, lastActive: active, lastMessage: last,
                                   unread: unread, messageCount: messages, responseCount: responses)
    }

    public func conversationHistory(siteID: String?, sessionID: String) async throws -> ConversationHistory? {
        try await database.read { c in
            guard let session = try await c.rows(PostgresConversationQueries.session(sessionID)).first?.decode((String?, String).self),
                  siteID == nil || session.1 == siteID else { return nil }
            var read: (Int64, Int64) = (0, 0)
            if let row = try await c.rows(PostgresConversationQueries.readState(sessionID)).first {
                read = try row.decode((Int64, Int64).self)
            }
            var items = try await c.rows(PostgresConversationQueries.historyMessages(sessionID)).map { row in
                let (id, text, timestamp, delivered, metadata) = try row.decode((Int64, Data, String, Bool, String?).self)
                return HistoryItem(type: "message", id: id, text: String(decoding: text, as: UTF8.self), timestamp: timestamp,
                                   status: id <= read.0 ? "read" : delivered ? "delivered" : "sent", metadata: StoredMetadata.json(metadata))
            }
            items += try await c.rows(PostgresConversationQueries.historyReplies(sessionID)).map { row in
                let (id, text, timestamp, metadata) = try row.decode((Int64, Data, String, String?).self)
                return HistoryItem(type: "reply", id: id, text: String(decoding: text, as: UTF8.self), timestamp: timestamp,
                                   status: id <= read.1 ? "read" : "sent", metadata: StoredMetadata.json(metadata))
            }
            items.sort { ($0.timestamp, $0.type == "message" ? 0 : 1, $0.id) < ($1.timestamp, $1.type == "message" ? 0 : 1, $1.id) }
            let last: Int64 = try await c.value(PostgresConversationQueries.lastEvent(sessionID)) ?? 0
            return ConversationHistory(sessionID: sessionID, uid: session.0, siteID: session.1, items: items,
                                       agentReadUpTo: read.0, visitorReadUpTo: read.1, lastEventID: last)
        }
    }
}
