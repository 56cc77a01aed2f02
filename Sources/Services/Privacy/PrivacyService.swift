import Foundation

/// Whose data an export or an erase is about. Today a conversation (session id); a verified
/// user id (issue 9, identity) will become another case, selecting every session of that user.
public enum PrivacySubject: Sendable, Equatable {
    /// One conversation, by session id.
    case session(String)
    /// A verified user's conversation on a site, by the site's user id (docs/identity.md).
    case user(siteID: String, userID: String)
}

/// What an erase did, as its caller and the audit log see it: ids and counts, never contents.
public struct ErasureReceipt: Sendable, Equatable {
    /// The erased conversations (an unknown id is not listed).
    public var sessionIDs: [String]
    /// Ids of the deleted visitor messages.
    public var messageIDs: [Int64]
    /// Ids of the deleted agent replies.
    public var replyIDs: [Int64]
    /// Event-log entries deleted.
    public var events: Int
    /// Why: `erase` or `retention`.
    public var reason: String
    /// When.
    public var erasedAt: Date

    /// The receipt as the admin API answers it.
    public var json: JSON {
        .sorted([("session_ids", .array(sessionIDs.map(JSON.string))), ("message_ids", .array(messageIDs.map(JSON.int))),
                 ("reply_ids", .array(replyIDs.map(JSON.int))), ("reason", .string(reason)), ("erased_at", .string(Timestamps.iso(erasedAt))),
                 ("counts", .sorted([("sessions", .int(Int64(sessionIDs.count))), ("messages", .int(Int64(messageIDs.count))),
                                     ("replies", .int(Int64(replyIDs.count))), ("events", .int(Int64(events)))]))])
    }
}

/// Export and erase of a visitor's data, and per-site retention (docs/privacy.md). Every erase
/// is one store transaction that also tells plugins (a `conversation_deleted` event each), and
/// leaves a receipt in the audit log.
public struct PrivacyService: Sendable {
    /// The most events one export includes (the rest are counted in `events_truncated`).
    public static let maxExportedEvents = 100_000
    /// The most plugin values one export includes.
    public static let maxExportedPluginValues = 10_000
    /// The most conversations one erase request names.
    public static let maxErasedPerRequest = 100

    let store: any ChatStore
    let audit: AuditLog
    let clock: @Sendable () -> Date

    /// Privacy over this store, recording in `audit`.
    public init(store: any ChatStore, audit: AuditLog, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.audit = audit
        self.clock = clock
    }

    /// Everything stored about `subject`, as one JSON document: the session row, its messages
    /// and replies with their metadata (what plugins attached, attachments included) and
    /// statuses, read positions and its events, the verified identity, and every plugin value
    /// whose key names the session (the analytics plugin's conversation record, a block, …).
    /// Not found is ``ServiceError/Kind/notFound``.
    public func export(_ subject: PrivacySubject) async throws -> JSON {
        let sessionID = try await self.sessionID(of: subject)
        guard let history = try await store.conversationHistory(siteID: nil, sessionID: sessionID),
              let row = try await store.history(sessionID: sessionID)?.session else {
            throw ServiceError(.notFound, "Session not found")
        }
        var events: [JSON] = []
        var cursor: Int64 = 0
        var truncated = false
        while true {
            let page = try await store.events(in: .session(sessionID, site: history.siteID), after: cursor, limit: 500)
            events += page.map(\.json)
            guard let last = page.last, page.count == 500 else { break }
            cursor = last.id
            if events.count >= Self.maxExportedEvents { truncated = true; break }
        }
        let session: JSON = .sorted([
            ("id", .string(row.id)), ("uid", row.uid.map(JSON.string) ?? .null), ("site_id", .string(history.siteID)),
            ("created_at", row.createdAt.map(JSON.string) ?? .null), ("last_active", row.lastActive.map(JSON.string) ?? .null),
            ("ip_address", row.ipAddress.map(JSON.string) ?? .null), ("metadata", row.metadata.map(JSON.string) ?? .null),
        ])
        let items: [JSON] = history.items.map { item in
            .sorted([("type", .string(item.type)), ("id", .int(item.id)), ("text", .string(item.text)), ("timestamp", .string(item.timestamp)),
                     ("status", .string(item.status)), ("metadata", item.metadata ?? .null)])
        }
        let pluginData: [JSON] = try await store.pluginValues(keyContaining: sessionID, now: clock(), limit: Self.maxExportedPluginValues).map { stored in
            let text = String(data: stored.value, encoding: .utf8)
            return .sorted([("plugin", .string(stored.pluginID)), ("key", .string(stored.key)),
                            ("value", .string(text ?? stored.value.base64EncodedString())), ("encoding", .string(text == nil ? "base64" : "utf-8"))])
        }
        let identity = try await store.identities(sessionIDs: [sessionID])[sessionID]
        return .sorted([
            ("subject", .sorted([("session_id", .string(sessionID))])), ("exported_at", .string(Timestamps.iso(clock()))),
            ("identity", identity?.json ?? .null), ("plugin_data", .array(pluginData)),
            ("sessions", .array([session])),
            ("messages", .array(items.filter { $0["type"] == .string("message") })),
            ("replies", .array(items.filter { $0["type"] == .string("reply") })),
            ("read_state", .sorted([("agent_read_up_to", .int(history.agentReadUpTo)), ("visitor_read_up_to", .int(history.visitorReadUpTo))])),
            ("events", .array(events)), ("events_truncated", .bool(truncated)),
        ])
    }

    /// The conversation `subject` names: a valid session id, or a verified user's (not found
    /// when the site has no such user).
    public func sessionID(of subject: PrivacySubject) async throws -> String {
        switch subject {
        case .session(let id):
            guard BridgeRules.isValidSessionID(id) else { throw ServiceError.invalidSessionID }
            return id
        case .user(let siteID, let userID):
            guard let id = try await store.verifiedSession(siteID: siteID, userID: userID) else {
                throw ServiceError(.notFound, "No verified user \(userID) on site \(siteID)")
            }
            return id
        }
    }

    /// Erases `subjects` for good (see ``PrivacyStore/eraseConversations(sessionIDs:reason:now:)``)
    /// and records the receipt in the audit log as `actor`.
    public func erase(_ subjects: [PrivacySubject], actor: String, clientIP: String?) async throws -> ErasureReceipt {
        guard !subjects.isEmpty, subjects.count <= Self.maxErasedPerRequest else {
            throw ServiceError(.invalidInput, "Name 1 to \(Self.maxErasedPerRequest) conversations")
        }
        var sessionIDs: [String] = []
        for subject in subjects { sessionIDs.append(try await sessionID(of: subject)) }
        return try await erase(sessionIDs: sessionIDs, reason: "erase", actor: actor, clientIP: clientIP, action: "privacy.erase")
    }

    /// Erases conversations and records the receipt; shared by ``erase(_:actor:clientIP:)`` and the retention job.
    func erase(sessionIDs: [String], reason: String, actor: String, clientIP: String?, action: String) async throws -> ErasureReceipt {
        let now = clock()
        let erased = try await store.eraseConversations(sessionIDs: sessionIDs, reason: reason, now: now)
        let receipt = ErasureReceipt(sessionIDs: erased.sessionIDs, messageIDs: erased.messageIDs, replyIDs: erased.replyIDs,
                                     events: erased.events, reason: reason, erasedAt: now)
        try await audit.record(actor: actor, action: action, targets: sessionIDs, details: [
            "sessions": .int(Int64(erased.sessionIDs.count)), "messages": .int(Int64(erased.messageIDs.count)),
            "replies": .int(Int64(erased.replyIDs.count)), "events": .int(Int64(erased.events)),
        ], clientIP: clientIP)
        return receipt
    }
}
