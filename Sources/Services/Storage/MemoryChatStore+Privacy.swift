import Foundation

extension MemoryChatStore {
    public func eraseConversations(sessionIDs: [String], reason: String, now: Date) async throws -> ErasedConversations {
        try change { s in
            var erased = ErasedConversations()
            for id in Set(sessionIDs).sorted() {
                let site = s.sessions[id]?.siteID ?? s.tombstones[id]?.siteID
                    ?? s.messages.first(where: { $0.sessionID == id })?.siteID ?? s.events.first(where: { $0.sessionID == id })?.siteID
                guard let site else { continue }
                erased.sessionIDs.append(id)
                erased.messageIDs += s.messages.filter { $0.sessionID == id }.map(\.id)
                erased.replyIDs += s.replies.filter { $0.sessionID == id }.map(\.id)
                let before = s.events.count
                s.events.removeAll { $0.sessionID == id || ($0.sessionID.isEmpty && $0.type == "plugin" && $0.data.serialized.contains("\"\(id)\"")) }
                erased.events += before - s.events.count
                s.forget(sessionID: id)
                s.tombstones[id] = nil
                for (site, users) in s.verifiedUsers { s.verifiedUsers[site] = users.filter { $0.value.sessionID != id } }
                s.appendEvent(siteID: site, sessionID: "", type: ChatEvent.conversationDeleted,
                              data: ChatEvent.conversationDeletedData(sessionID: id, reason: reason), now: now)
            }
            return erased
        }
    }

    public func sessionsInactive(siteID: String, before cutoff: String, limit: Int) async throws -> [String] {
        read { s in
            s.sessions.values.filter { $0.siteID == siteID && ($0.lastActive ?? "") < cutoff }
                .sorted { ($0.lastActive ?? "", $0.id) < ($1.lastActive ?? "", $1.id) }
                .prefix(limit).map(\.id)
        }
    }
}
