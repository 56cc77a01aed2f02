import Foundation
import Synchronization

/// ``ChatStore`` in memory: the test twin of the SQLite driver, with the same semantics (the
/// driver conformance suite pins them) and nothing on disk. Every method is atomic: one lock
/// guards the whole state, and committed events go to the sink inside it, so subscribers see
/// them in id order exactly as the SQLite driver publishes them after each commit.
public final class MemoryChatStore: ChatStore {
    private let state = Mutex(MemoryState())
    private let eventSink: @Sendable ([ChatEvent]) -> Void

    /// An empty store; `eventSink` receives committed events in id order (it must not block).
    public init(eventSink: @escaping @Sendable ([ChatEvent]) -> Void = { _ in }) {
        self.eventSink = eventSink
    }

    /// Runs `body` on the state under the lock, then hands the events it appended to the sink.
    func change<T>(_ body: (inout MemoryState) throws -> T) throws -> T {
        try state.withLock { state in
            let result = try body(&state)
            let events = state.takeAppended()
            if !events.isEmpty { eventSink(events) }
            return result
        }
    }

    func read<T>(_ body: (MemoryState) throws -> T) rethrows -> T {
        try state.withLock { try body($0) }
    }

    // MARK: Messages

    public func postMessage(siteID: String, sessionID: String, text: String, metadata: JSON?, clientMessageID: String?, ip: String?,
                            now: Date) async throws -> PostedMessage {
        try change { s in
            let session = try s.ensureSession(sessionID, siteID: siteID, ip: ip, now: now)
            if let clientMessageID, let existing = s.messages.first(where: { $0.sessionID == sessionID && $0.clientMessageID == clientMessageID }) {
                return PostedMessage(messageID: existing.id, uid: session.uid, isNewUser: false, replayed: true)
            }
            let stamp = Timestamps.database(now)
            s.lastMessageID += 1
            let id = s.lastMessageID
            s.messages.append(MemoryMessage(id: id, sessionID: sessionID, text: text, timestamp: stamp, siteID: siteID, clientMessageID: clientMessageID,
                                            metadata: metadata))
            if !session.created { s.markActive(sessionID, stamp) }
            s.appendEvent(siteID: siteID, sessionID: sessionID, type: "message",
                          data: ChatEvent.messageData(["message_id": .int(id), "text": .string(text), "timestamp": .string(stamp),
                                                       "client_message_id": .optional(clientMessageID)], metadata: metadata), now: now)
            return PostedMessage(messageID: id, uid: session.uid, isNewUser: session.created)
        }
    }

    public func pendingCount(siteID: String, since: String?, now: Date) async throws -> Int64 {
        read { Int64($0.deliverable(siteID: siteID, since: since, now: now).count) }
    }

    public func takeInbox(siteID: String, limit: Int, offset: Int, since: String?, lease: TimeInterval?, now: Date) async throws -> InboxPage {
        try change { s in
            let pending = s.deliverable(siteID: siteID, since: since, now: now)
            let page = pending.dropFirst(offset).prefix(limit)
            let stamp = Timestamps.database(now)
            var bySession: [(String, [Int64])] = []
            let messages = page.map { index -> InboxMessage in
                let message = s.messages[index]
                if let lease {
                    s.messages[index].leaseUntil = now.timeIntervalSince1970 + lease
                } else {
                    s.messages[index].processed = true
                    s.messages[index].leaseUntil = nil
                }
                if s.messages[index].deliveredAt == nil { s.messages[index].deliveredAt = stamp }
                if let at = bySession.firstIndex(where: { $0.0 == message.sessionID }) {
                    bySession[at].1.append(message.id)
                } else {
                    bySession.append((message.sessionID, [message.id]))
                }
                return InboxMessage(id: message.id, sessionID: message.sessionID, message: message.text, timestamp: message.timestamp,
                                    uid: s.sessions[message.sessionID]?.uid, metadata: message.metadata)
            }
            for (sessionID, ids) in bySession {
                s.appendEvent(siteID: siteID, sessionID: sessionID, type: "delivered", data: ["message_ids": .array(ids.map { .int($0) })], now: now)
            }
            return InboxPage(messages: messages, total: Int64(pending.count))
        }
    }

    public func acknowledge(siteID: String, messageIDs: [Int64], now: Date) async throws -> Int {
        try change { s in
            let ids = Set(messageIDs)
            let stamp = Timestamps.database(now)
            var count = 0
            for index in s.messages.indices where ids.contains(s.messages[index].id) && s.messages[index].siteID == siteID && !s.messages[index].processed {
                s.messages[index].processed = true
                s.messages[index].leaseUntil = nil
                if s.messages[index].deliveredAt == nil { s.messages[index].deliveredAt = stamp }
                count += 1
            }
            return count
        }
    }

    // MARK: Replies

    public func postReply(siteID: String, sessionID: String, text: String, metadata: JSON?, messageID: JSON, clientResponseID: String?,
                          now: Date) async throws -> (id: Int64, replayed: Bool) {
        try change { s in
            if let owner = s.sessions[sessionID]?.siteID {
                guard owner == siteID else { throw StoreRefusal.otherSite }
            } else {
                let tombstone = s.tombstones[sessionID]
                let hasMessages = s.messages.contains { $0.sessionID == sessionID }
                guard tombstone != nil || hasMessages else { throw StoreRefusal.unknownSession }
                guard (tombstone?.siteID ?? defaultSiteID) == siteID else { throw StoreRefusal.otherSite }
                _ = try s.ensureSession(sessionID, siteID: siteID, ip: nil, now: now)
            }
            if let clientResponseID, let existing = s.replies.first(where: { $0.sessionID == sessionID && $0.clientResponseID == clientResponseID }) {
                return (existing.id, true)
            }
            let stamp = Timestamps.database(now)
            s.lastReplyID += 1
            let id = s.lastReplyID
            s.replies.append(MemoryReply(id: id, sessionID: sessionID, text: text, timestamp: stamp, messageID: messageID, clientResponseID: clientResponseID,
                                         metadata: metadata))
            s.markActive(sessionID, stamp)
            s.appendEvent(siteID: siteID, sessionID: sessionID, type: "reply",
                          data: ChatEvent.messageData(["response_id": .int(id), "text": .string(text), "timestamp": .string(stamp),
                                                       "message_id": messageID], metadata: metadata), now: now)
            return (id, false)
        }
    }

    public func replies(siteID: String, sessionID: String, since: String?, sinceID: Int64?, ip: String?, now: Date) async throws -> [Reply] {
        try read { s in
            guard let owner = s.sessions[sessionID]?.siteID else { return [] }
            guard owner == siteID else { throw StoreRefusal.otherSite }
            return s.replies(of: sessionID)
                .filter { reply in since.map { reply.timestamp > $0 } ?? true }
                .filter { reply in sinceID.map { reply.id > $0 } ?? true }
        }
    }

    // MARK: Sessions

    public func siteOfSession(_ sessionID: String) async throws -> String? {
        read { $0.sessions[sessionID]?.siteID }
    }

    public func sessions(activeSince: String?, limit: Int, offset: Int) async throws -> (sessions: [SessionSummary], total: Int64) {
        read { s in
            let rows = s.sessions.values
                .filter { row in activeSince.map { since in row.lastActive.map { $0 > since } ?? false } ?? true }
                .sorted { ($0.lastActive ?? "", $1.id) > ($1.lastActive ?? "", $0.id) }
            return (rows.dropFirst(offset).prefix(limit).map(s.summary), Int64(rows.count))
        }
    }

    public func history(sessionID: String) async throws -> (session: SessionSummary, messages: [HistoryMessage], replies: [Reply])? {
        read { s in
            guard let row = s.sessions[sessionID] else { return nil }
            let messages = s.messages.filter { $0.sessionID == sessionID }
                .sorted { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }
                .map { HistoryMessage(id: $0.id, sessionID: $0.sessionID, message: $0.text, timestamp: $0.timestamp) }
            return (s.summary(row), messages, s.replies(of: sessionID))
        }
    }

    public func deleteIdleSessions(before cutoff: String, now: Date) async throws -> Int {
        try change { s in
            let stamp = Timestamps.database(now)
            let pendingSessions = Set(s.messages.filter { !$0.processed }.map(\.sessionID))
            let idle = s.sessions.values.filter { ($0.lastActive.map { $0 < cutoff } ?? false) && !pendingSessions.contains($0.id) }
            for row in idle {
                s.tombstones[row.id] = MemoryTombstone(uid: row.uid, siteID: row.siteID, deletedAt: stamp)
                s.forget(sessionID: row.id)
                s.appendEvent(siteID: row.siteID, sessionID: "", type: ChatEvent.conversationDeleted,
                              data: ChatEvent.conversationDeletedData(sessionID: row.id, reason: "cleanup"), now: now)
            }
            return idle.count
        }
    }

    public func clearAll(now: Date) async throws -> DataCounts {
        try change { s in
            let counts = DataCounts(sessions: Int64(s.sessions.count), messages: Int64(s.messages.count), responses: Int64(s.replies.count))
            let deleted = (s.sessions.values.map { ($0.id, $0.siteID) } + s.tombstones.map { ($0.key, $0.value.siteID) }).sorted { $0.0 < $1.0 }
            s.sessions = [:]
            s.messages = []
            s.replies = []
            s.tombstones = [:]
            s.events = []
            s.readState = [:]
            for (id, site) in deleted {
                s.appendEvent(siteID: site, sessionID: "", type: ChatEvent.conversationDeleted,
                              data: ChatEvent.conversationDeletedData(sessionID: id, reason: "clear"), now: now)
            }
            s.verifiedUsers = [:]
            return counts
        }
    }

    public func touch(sessionIDs: [String], now: Date) async throws {
        guard !sessionIDs.isEmpty else { return }
        try change { s in
            let stamp = Timestamps.database(now)
            for id in sessionIDs { s.markActive(id, stamp) }
        }
    }

    // MARK: Settings

    public func configuration() async throws -> [(key: String, value: JSON)] {
        read { $0.configuration }
    }

    public func setConfiguration(_ values: [(key: String, value: JSON)], now: Date) async throws {
        try change { s in
            for (key, stored) in values {
                // The legacy `config_value` column has TEXT affinity: numbers come back as text.
                let value = stored.storedText.map(JSON.string) ?? .null
                if let index = s.configuration.firstIndex(where: { $0.key == key }) {
                    s.configuration[index].value = value
                } else {
                    s.configuration.append((key, value))
                }
            }
        }
    }

    public func siteKeys() async throws -> [String: String] {
        read { $0.siteKeys }
    }

    public func setSiteKey(siteID: String, hash: String, now: Date) async throws {
        try change { $0.siteKeys[siteID] = hash }
    }

    // MARK: Plugin data

    public func pluginValue(pluginID: String, key: String, now: Date) async throws -> Data? {
        read { $0.pluginValue(pluginID: pluginID, key: key, now: now)?.value }
    }

    public func applyPluginWrites(pluginID: String, writes: [PluginDataWrite], now: Date) async throws -> [Data?] {
        try change { s in
            s.purgeExpiredPluginValues(pluginID: pluginID, now: now)
            var values = s.pluginData[pluginID] ?? [:]
            let results = try writes.map { write in
                let new = try write.apply(to: values[write.key].map { ($0.value, $0.expiresAt) })
                values[write.key] = new.map { MemoryPluginValue(value: $0.value, expiresAt: $0.expiresAt) }
                return new?.value
            }
            s.pluginData[pluginID] = values.isEmpty ? nil : values
            return results
        }
    }

    public func pluginValues(keyContaining needle: String, now: Date, limit: Int) async throws -> [StoredPluginValue] {
        read { s in
            let found = s.pluginData.flatMap { pluginID, values in
                values.filter { $0.key.contains(needle) && !$0.value.isExpired(at: now) }
                    .map { StoredPluginValue(pluginID: pluginID, key: $0.key, value: $0.value.value) }
            }
            return Array(found.sorted { ($0.pluginID, $0.key) < ($1.pluginID, $1.key) }.prefix(limit))
        }
    }

    public func pluginKeys(pluginID: String, prefix: String, now: Date) async throws -> [String] {
        read { s in
            (s.pluginData[pluginID] ?? [:]).filter { $0.key.utf8.starts(with: prefix.utf8) && !$0.value.isExpired(at: now) }.keys
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
    }

    public func purgeExpiredPluginValues(now: Date) async throws -> Int {
        try change { s in
            var purged = 0
            for (pluginID, values) in s.pluginData {
                let live = values.filter { !$0.value.isExpired(at: now) }
                purged += values.count - live.count
                s.pluginData[pluginID] = live.isEmpty ? nil : live
            }
            return purged
        }
    }

    // MARK: Events and read state

    public func events(in scope: EventScope, after cursor: Int64, limit: Int) async throws -> [ChatEvent] {
        read { s in Array(s.events.lazy.filter { $0.id > cursor && scope.contains($0) }.prefix(limit)) }
    }

    public func eventRange() async throws -> (purgedBelow: Int64, newest: Int64) {
        read { s in (s.events.first?.id ?? (s.lastEventID + 1), s.lastEventID) }
    }

    public func recordTyping(siteID: String, sessionID: String, from: Party, active: Bool, now: Date) async throws {
        try change { s in
            try s.requireSession(sessionID, siteID: siteID)
            s.appendEvent(siteID: siteID, sessionID: sessionID, type: "typing",
                          data: ["from": .string(from.rawValue), "active": .bool(active)], now: now)
        }
    }

    public func markRead(siteID: String, sessionID: String, by: Party, upTo: Int64, now: Date) async throws {
        try change { s in
            try s.requireSession(sessionID, siteID: siteID)
            var read = s.readState[sessionID] ?? MemoryReadState()
            let current = by == .agent ? read.agent : read.visitor
            guard current < upTo else { s.readState[sessionID] = read; return }
            if by == .agent {
                read.agent = upTo
                // Reading implies delivery: messages the console read count as delivered.
                let stamp = Timestamps.database(now)
                for index in s.messages.indices where s.messages[index].sessionID == sessionID && s.messages[index].id <= upTo {
                    if s.messages[index].deliveredAt == nil { s.messages[index].deliveredAt = stamp }
                }
            } else {
                read.visitor = upTo
            }
            s.readState[sessionID] = read
            s.appendEvent(siteID: siteID, sessionID: sessionID, type: "read", data: ["by": .string(by.rawValue), "up_to": .int(upTo)], now: now)
        }
    }

    public func appendPluginEvent(siteID: String?, pluginID: String, name: String, attributes: [String: String], now: Date) async throws {
        try change { s in
            s.appendEvent(siteID: siteID ?? "", sessionID: "", type: "plugin",
                          data: ChatEvent.pluginData(pluginID: pluginID, name: name, attributes: attributes), now: now)
        }
    }

    public func purgeEvents(olderThan: Date, typingOlderThan: Date) async throws -> Int {
        try change { s in
            let before = s.events.count
            s.events.removeAll { $0.at < olderThan || ($0.type == "typing" && $0.at < typingOlderThan) }
            return before - s.events.count
        }
    }

    // MARK: Console

    public func conversations(siteID: String?, query: String?, limit: Int, offset: Int) async throws -> (items: [ConversationSummary], total: Int64) {
        read { s in
            let rows = s.sessions.values
                .filter { row in siteID.map { row.siteID == $0 } ?? true }
                .filter { row in
                    guard let query, !query.isEmpty else { return true }
                    return row.id.utf8.starts(with: query.utf8) || (row.uid ?? "").utf8.starts(with: query.utf8)
                }
                .sorted { ($0.lastActive ?? "", $0.id) > ($1.lastActive ?? "", $1.id) }
            let items = rows.dropFirst(offset).prefix(limit).map { row in
                let messages = s.messages.filter { $0.sessionID == row.id }
                let replies = s.replies.filter { $0.sessionID == row.id }
                let agentRead = s.readState[row.id]?.agent ?? 0
                let lastMessage = messages.last.map { (type: "message", text: $0.text, timestamp: $0.timestamp) }
                let lastReply = replies.last.map { (type: "reply", text: $0.text, timestamp: $0.timestamp) }
                var latest = lastMessage ?? lastReply
                if let lastMessage, let lastReply { latest = lastReply.timestamp >= lastMessage.timestamp ? lastReply : lastMessage }
                return ConversationSummary(sessionID: row.id, uid: row.uid, siteID: row.siteID, lastActive: row.lastActive, lastMessage: latest,
                                           unread: Int64(messages.filter { $0.id > agentRead }.count),
                                           messageCount: Int64(messages.count), responseCount: Int64(replies.count))
            }
            return (Array(items), Int64(rows.count))
        }
    }

    public func conversationHistory(siteID: String?, sessionID: String) async throws -> ConversationHistory? {
        read { s in
            guard let row = s.sessions[sessionID], siteID == nil || row.siteID == siteID else { return nil }
            let read = s.readState[sessionID] ?? MemoryReadState()
            var items = s.messages.filter { $0.sessionID == sessionID }.map { m in
                let delivered = m.processed || m.deliveredAt != nil || m.leaseUntil != nil
                return HistoryItem(type: "message", id: m.id, text: m.text, timestamp: m.timestamp,
                                   status: m.id <= read.agent ? "read" : delivered ? "delivered" : "sent", metadata: m.metadata)
            }
            items += s.replies.filter { $0.sessionID == sessionID }.map { r in
                HistoryItem(type: "reply", id: r.id, text: r.text, timestamp: r.timestamp, status: r.id <= read.visitor ? "read" : "sent",
                            metadata: r.metadata)
            }
            items.sort { ($0.timestamp, $0.type == "message" ? 0 : 1, $0.id) < ($1.timestamp, $1.type == "message" ? 0 : 1, $1.id) }
            let lastEventID = s.events.last(where: { $0.sessionID == sessionID })?.id ?? 0
            return ConversationHistory(sessionID: sessionID, uid: row.uid, siteID: row.siteID, items: items,
                                       agentReadUpTo: read.agent, visitorReadUpTo: read.visitor, lastEventID: lastEventID)
        }
    }
}
