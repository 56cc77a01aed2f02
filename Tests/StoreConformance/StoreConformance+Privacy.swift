import Foundation
import SanctumServices

/// Privacy checks: erase, retention candidates, deletion events, polls that create nothing.
extension StoreConformance {
    @Sendable static func eraseConversations(_ t: StoreUnderTest) async throws {
        let marker = "ERASE-ME-\(UUID().uuidString)"
        let message = try await post(t, "session_gone", marker, at: 0)
        try await post(t, "session_kept", "stays", at: 0)
        let reply = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_gone", text: "re: " + marker,
                                                metadata: ["attachments": ["files": .array([["name": .string(marker)]])]],
                                                messageID: .int(message.messageID), clientResponseID: nil, now: at(1))
        try await t.store.markRead(siteID: defaultSiteID, sessionID: "session_gone", by: .agent, upTo: message.messageID, now: at(2))
        try await t.store.appendPluginEvent(siteID: defaultSiteID, pluginID: "demo", name: "noted", attributes: ["session_id": "session_gone"], now: at(2))
        try await t.store.appendPluginEvent(siteID: defaultSiteID, pluginID: "demo", name: "other", attributes: ["session_id": "session_kept"], now: at(2))
        _ = try await t.store.claimSession(siteID: defaultSiteID, identity: VerifiedIdentity(userID: "u-erased", name: marker, email: "e@example.com"),
                                           presented: "session_gone", fresh: "session_unused", now: at(2))
        let before = try await t.store.eventRange().newest

        let erased = try await t.store.eraseConversations(sessionIDs: ["session_gone", "session_never"], reason: "erase", now: at(3))
        t.expectEqual(erased.sessionIDs, ["session_gone"], "erased sessions (unknown ids skipped)")
        t.expectEqual(erased.messageIDs, [message.messageID], "erased message ids")
        t.expectEqual(erased.replyIDs, [reply.id], "erased reply ids")
        t.expectEqual(erased.events, 4, "the conversation's events (message, reply, read) and the plugin event naming it")
        t.expectEqual(try await t.store.siteOfSession("session_gone"), nil, "the session row is gone")
        t.expect(try await t.store.identities(sessionIDs: ["session_gone"]).isEmpty, "the verified user's name and email are gone")
        t.expect(try await t.store.history(sessionID: "session_gone") == nil, "no history")
        t.expect(try await t.store.conversationHistory(siteID: nil, sessionID: "session_gone") == nil, "no console history")
        let all = try await t.store.events(in: .all, after: 0, limit: 1000)
        t.expect(!all.contains { $0.sessionID == "session_gone" }, "no event of the conversation is replayed")
        t.expect(!all.contains { $0.data.serialized.contains(marker) }, "no event holds the erased text")
        t.expect(all.contains { $0.type == "plugin" && $0.data.serialized.contains("session_kept") }, "other plugin events stay")
        let deletions = all.filter { $0.type == ChatEvent.conversationDeleted }
        t.expectEqual(deletions.map(\.data), [ChatEvent.conversationDeletedData(sessionID: "session_gone", reason: "erase")], "one deletion event")
        t.expect(deletions.allSatisfy { $0.sessionID.isEmpty && $0.siteID == defaultSiteID && $0.id > before }, "outside any conversation, of the site")
        let published = try await t.publishedEvents { $0.contains { $0.type == ChatEvent.conversationDeleted } }
        t.expect(published.contains { $0.type == ChatEvent.conversationDeleted }, "the deletion is published")
        let inbox = try await take(t, at: 4)
        t.expectEqual(inbox.messages.map(\.message), ["stays"], "the inbox holds only the other conversation")
        let again = try await post(t, "session_gone", "new start", at: 5)
        t.expect(again.isNewUser && again.uid != message.uid, "an erased id starts afresh (no tombstone keeps its uid)")
        try await t.store.setPluginValue(pluginID: "analytics", key: "c:default:session_kept", value: Data("{}".utf8), expiresAt: nil, now: at(6))
        try await t.store.setPluginValue(pluginID: "analytics", key: "c:default:session_other", value: Data("{}".utf8), expiresAt: nil, now: at(6))
        let named = try await t.store.pluginValues(keyContaining: "session_kept", now: at(6), limit: 10)
        t.expectEqual(named, [StoredPluginValue(pluginID: "analytics", key: "c:default:session_kept", value: Data("{}".utf8))],
                      "plugin values whose key names the session (for the export)")
        let nothing = try await t.store.eraseConversations(sessionIDs: [], reason: "erase", now: at(6))
        t.expectEqual(nothing, ErasedConversations(), "erasing nothing")
    }

    @Sendable static func retentionCandidates(_ t: StoreUnderTest) async throws {
        try await post(t, "session_old", "a", at: 0)
        try await post(t, "session_older", "b", at: -10)
        try await post(t, "session_new", "c", at: 100)
        try await post(t, "session_other", "d", site: "acme", at: 0)
        let cutoff = Timestamps.database(at(50))
        t.expectEqual(try await t.store.sessionsInactive(siteID: defaultSiteID, before: cutoff, limit: 10), ["session_older", "session_old"],
                      "inactive before the cutoff, least recent first, of the site only")
        t.expectEqual(try await t.store.sessionsInactive(siteID: defaultSiteID, before: cutoff, limit: 1), ["session_older"], "bounded")
    }

    @Sendable static func cleanupTellsPlugins(_ t: StoreUnderTest) async throws {
        try await post(t, "session_idle", "bye", at: 0)
        _ = try await take(t, at: 1)
        _ = try await t.store.deleteIdleSessions(before: Timestamps.database(at(3600)), now: at(3601))
        let deletions = try await t.store.events(in: .site(defaultSiteID), after: 0, limit: 100).filter { $0.type == ChatEvent.conversationDeleted }
        t.expectEqual(deletions.map(\.data), [ChatEvent.conversationDeletedData(sessionID: "session_idle", reason: "cleanup")], "cleanup logs a deletion")
    }

    @Sendable static func pollCreatesNothing(_ t: StoreUnderTest) async throws {
        let replies = try await t.store.replies(siteID: defaultSiteID, sessionID: "session_poll", since: nil, sinceID: nil, ip: "127.0.0.1", now: at(1))
        t.expect(replies.isEmpty, "no replies for an unknown session")
        t.expectEqual(try await t.store.siteOfSession("session_poll"), nil, "a bare poll creates no session row")
        let first = try await post(t, "session_poll", "hello", at: 2)
        t.expect(first.isNewUser, "the first message after a poll creates the session")
    }
}
