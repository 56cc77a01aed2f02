import Foundation

/// A session row of ``MemoryChatStore``.
struct MemorySession {
    var id: String
    var uid: String?
    var createdAt: String?
    var lastActive: String?
    var ipAddress: String?
    var metadata: String?
    var siteID: String
}

/// A visitor message row.
struct MemoryMessage {
    var id: Int64
    var sessionID: String
    var text: String
    var timestamp: String
    var siteID: String
    var clientMessageID: String?
    /// Plugin metadata (an object of namespaced objects), `nil` when none.
    var metadata: JSON?
    var processed = false
    var leaseUntil: Double?
    var deliveredAt: String?
}

/// An agent reply row.
struct MemoryReply {
    var id: Int64
    var sessionID: String
    var text: String
    var timestamp: String
    var messageID: JSON
    var clientResponseID: String?
    /// Plugin metadata (an object of namespaced objects), `nil` when none.
    var metadata: JSON?
}

/// What cleanup leaves of a session, so its uid and site survive.
struct MemoryTombstone {
    var uid: String?
    var siteID: String
    var deletedAt: String
}

/// A verified user's conversation on a site, with the latest name and e-mail.
struct MemoryVerifiedUser {
    var sessionID: String
    var identity: VerifiedIdentity
}

/// Both sides' read positions of a conversation.
struct MemoryReadState {
    var agent: Int64 = 0
    var visitor: Int64 = 0
}

/// A plugin's stored value with its expiry (`nil`: never).
struct MemoryPluginValue {
    var value: Data
    var expiresAt: Date?

    func isExpired(at now: Date) -> Bool { expiresAt.map { $0 <= now } ?? false }
}

/// The whole state of ``MemoryChatStore``; only ever touched under its lock. The rules mirror
/// the SQLite driver's statements one for one (see `SQLiteChatStore`).
struct MemoryState {
    var sessions: [String: MemorySession] = [:]
    /// In id order (ids only grow).
    var messages: [MemoryMessage] = []
    /// In id order.
    var replies: [MemoryReply] = []
    var tombstones: [String: MemoryTombstone] = [:]
    var configuration: [(key: String, value: JSON)] = []
    var siteKeys: [String: String] = [:]
    /// By plugin id, then key.
    var pluginData: [String: [String: MemoryPluginValue]] = [:]
    /// In id order; purging removes from the front and the middle, never renumbers.
    var events: [ChatEvent] = []
    var readState: [String: MemoryReadState] = [:]
    /// Verified users by site id, then user id.
    var verifiedUsers: [String: [String: MemoryVerifiedUser]] = [:]
    var lastMessageID: Int64 = 0
    var lastReplyID: Int64 = 0
    /// Like SQLite's AUTOINCREMENT sequence: ids are never reused, even after a purge or a clear.
    var lastEventID: Int64 = 0
    /// Events appended by the current change, handed to the sink after it.
    private var appended: [ChatEvent] = []

    /// Finds or creates the session of `siteID`; a session removed by cleanup comes back with its
    /// old uid. Another site's session is refused.
    mutating func ensureSession(_ id: String, siteID: String, ip: String?, now: Date) throws -> (uid: String, created: Bool) {
        if let row = sessions[id] {
            guard row.siteID == siteID else { throw StoreRefusal.otherSite }
            if let uid = row.uid { return (uid, false) }
            let uid = freshUID()
            sessions[id]?.uid = uid
            return (uid, false)
        }
        let tombstone = tombstones[id]
        if let tombstone, tombstone.siteID != siteID { throw StoreRefusal.otherSite }
        let uid = tombstone?.uid ?? freshUID()
        let stamp = Timestamps.database(now)
        sessions[id] = MemorySession(id: id, uid: uid, createdAt: stamp, lastActive: stamp, ipAddress: ip, metadata: "{}", siteID: siteID)
        tombstones[id] = nil
        return (uid, true)
    }

    /// 16 lowercase hex characters from the CSPRNG, unused by any session.
    private func freshUID() -> String {
        var rng = SystemRandomNumberGenerator()
        while true {
            let uid = (0..<8).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16).leftPadded(to: 2) }.joined()
            if !sessions.values.contains(where: { $0.uid == uid }) { return uid }
        }
    }

    /// Moves `last_active` forward (never back).
    mutating func markActive(_ id: String, _ stamp: String) {
        guard let row = sessions[id], (row.lastActive ?? "") < stamp || row.lastActive == nil else { return }
        sessions[id]?.lastActive = stamp
    }

    /// Throws unless the session exists and belongs to `siteID`.
    func requireSession(_ id: String, siteID: String) throws {
        guard let row = sessions[id] else { throw StoreRefusal.unknownSession }
        guard row.siteID == siteID else { throw StoreRefusal.otherSite }
    }

    /// Indices of the site's deliverable messages in (timestamp, id) order: pending, not under
    /// lease, and not behind a leased earlier message of the same conversation.
    func deliverable(siteID: String, since: String?, now: Date) -> [Int] {
        let time = now.timeIntervalSince1970
        var firstLeased: [String: Int64] = [:]
        for message in messages where !message.processed && (message.leaseUntil.map { $0 > time } ?? false) {
            firstLeased[message.sessionID] = min(firstLeased[message.sessionID] ?? .max, message.id)
        }
        return messages.indices.filter { index in
            let m = messages[index]
            return !m.processed && m.siteID == siteID && (m.leaseUntil.map { $0 <= time } ?? true)
                && (firstLeased[m.sessionID].map { $0 > m.id } ?? true)
                && (since.map { m.timestamp > $0 } ?? true)
        }.sorted { (messages[$0].timestamp, messages[$0].id) < (messages[$1].timestamp, messages[$1].id) }
    }

    /// A session's replies in (timestamp, id) order.
    func replies(of sessionID: String) -> [Reply] {
        replies.filter { $0.sessionID == sessionID }
            .sorted { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }
            .map { Reply(id: $0.id, response: $0.text, timestamp: $0.timestamp, messageID: $0.messageID, metadata: $0.metadata) }
    }

    /// The admin list item of a session row.
    func summary(_ row: MemorySession) -> SessionSummary {
        SessionSummary(id: row.id, uid: row.uid, createdAt: row.createdAt, lastActive: row.lastActive, ipAddress: row.ipAddress,
                       metadata: row.metadata, messageCount: Int64(messages.filter { $0.sessionID == row.id }.count),
                       responseCount: Int64(replies.filter { $0.sessionID == row.id }.count))
    }

    /// Deletes a session with its messages, replies and read state.
    mutating func forget(sessionID: String) {
        replies.removeAll { $0.sessionID == sessionID }
        messages.removeAll { $0.sessionID == sessionID }
        sessions[sessionID] = nil
        readState[sessionID] = nil
    }

    /// Appends an event with the conversation's next sequence number.
    mutating func appendEvent(siteID: String, sessionID: String, type: String, data: JSON, now: Date) {
        let seq = (events.last(where: { $0.sessionID == sessionID })?.seq ?? 0) + 1
        lastEventID += 1
        let event = ChatEvent(id: lastEventID, seq: seq, siteID: siteID, sessionID: sessionID, type: type, data: data, at: now)
        events.append(event)
        appended.append(event)
    }

    /// The events appended since the last call.
    /// A plugin's value unless it has expired at `now`.
    func pluginValue(pluginID: String, key: String, now: Date) -> MemoryPluginValue? {
        pluginData[pluginID]?[key].flatMap { $0.isExpired(at: now) ? nil : $0 }
    }

    /// Deletes the plugin's values that have expired at `now` (each write of a plugin does).
    mutating func purgeExpiredPluginValues(pluginID: String, now: Date) {
        pluginData[pluginID] = pluginData[pluginID]?.filter { !$0.value.isExpired(at: now) }
    }

    mutating func takeAppended() -> [ChatEvent] {
        defer { appended = [] }
        return appended
    }
}
