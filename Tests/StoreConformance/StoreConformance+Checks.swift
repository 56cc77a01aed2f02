import Foundation
import SanctumServices

/// The checks of ``StoreConformance``; each starts from an empty store.
extension StoreConformance {
    /// Posts `text` as a visitor message of `site` (default site unless given) at `time`.
    @discardableResult
    static func post(_ t: StoreUnderTest, _ session: String, _ text: String, site: String = defaultSiteID, at time: TimeInterval = 0,
                     client: String? = nil) async throws -> PostedMessage {
        try await t.store.postMessage(siteID: site, sessionID: session, text: text, clientMessageID: client, ip: "127.0.0.1", now: at(time))
    }

    static func take(_ t: StoreUnderTest, site: String = defaultSiteID, limit: Int = 100, offset: Int = 0, since: String? = nil,
                     lease: TimeInterval? = nil, at time: TimeInterval = 0) async throws -> InboxPage {
        try await t.store.takeInbox(siteID: site, limit: limit, offset: offset, since: since, lease: lease, now: at(time))
    }

    @Sendable static func atMostOnceTake(_ t: StoreUnderTest) async throws {
        for i in 0..<5 { try await post(t, "session_a\(i % 2)", "m\(i)") }
        t.expectEqual(try await t.store.pendingCount(siteID: defaultSiteID, since: nil, now: at(1)), 5, "pending before the take")
        let first = try await take(t, limit: 3, at: 1)
        t.expectEqual(first.messages.map(\.message), ["m0", "m1", "m2"], "first page")
        t.expectEqual(first.total, 5, "total counts the whole backlog")
        let second = try await take(t, at: 1)
        t.expectEqual(second.messages.map(\.message), ["m3", "m4"], "the rest, once")
        t.expectEqual(second.total, 2, "total after the first take")
        let third = try await take(t, at: 2)
        t.expect(third.messages.isEmpty && third.total == 0, "nothing is delivered twice")
        t.expect(first.messages.allSatisfy { $0.uid?.count == 16 }, "inbox messages carry the session's uid")
    }

    @Sendable static func inboxOrderAndPagination(_ t: StoreUnderTest) async throws {
        try await post(t, "session_late", "later", at: 10)
        try await post(t, "session_early", "earlier", at: 5)
        try await post(t, "session_early", "same second, later id", at: 10)
        let skipped = try await take(t, limit: 1, offset: 1, at: 11)
        t.expectEqual(skipped.messages.map(\.message), ["later"], "offset skips without delivering")
        t.expectEqual(skipped.total, 3, "total with an offset")
        let rest = try await take(t, at: 11)
        t.expectEqual(rest.messages.map(\.message), ["earlier", "same second, later id"], "(timestamp, id) order")
        try await post(t, "session_s", "old", at: 20)
        try await post(t, "session_s", "new", at: 30)
        try await post(t, "session_t", "newer", at: 35)
        let sinceSkipped = try await take(t, limit: 1, offset: 1, since: Timestamps.database(at(25)), at: 36)
        t.expectEqual(sinceSkipped.messages.map(\.message), ["newer"], "since with an offset")
        let since = try await take(t, limit: 1, since: Timestamps.database(at(25)), at: 36)
        t.expectEqual(since.messages.map(\.message), ["new"], "since filters by timestamp")
        try await post(t, "session_b", "backdated", at: 1)
        let backdated = try await take(t, at: 36)
        t.expectEqual(backdated.messages.map(\.message), ["backdated", "old"], "a message older than those taken before is taken")
    }

    @Sendable static func leaseOrderAndRedelivery(_ t: StoreUnderTest) async throws {
        try await post(t, "session_l", "first")
        let leased = try await take(t, lease: 60, at: 1)
        t.expectEqual(leased.messages.map(\.message), ["first"], "leased")
        try await post(t, "session_l", "second", at: 2)
        try await post(t, "session_other", "elsewhere", at: 2)
        let during = try await take(t, lease: 60, at: 3)
        t.expectEqual(during.messages.map(\.message), ["elsewhere"], "a leased message hides later ones of its conversation only")
        let after = try await take(t, at: 62)
        t.expectEqual(after.messages.map(\.message), ["first", "second"], "an expired lease is delivered again, before later messages")
        t.expectEqual(try await take(t, at: 200).messages.map(\.message), ["elsewhere"], "the other lease ran out too")
        t.expect(try await take(t, at: 300).messages.isEmpty, "delivered without a lease: gone")
    }

    @Sendable static func acknowledgement(_ t: StoreUnderTest) async throws {
        let a = try await post(t, "session_k", "a")
        let b = try await post(t, "session_k2", "b")
        let other = try await post(t, "session_x", "other site", site: "acme")
        _ = try await take(t, lease: 30, at: 1)
        let count = try await t.store.acknowledge(siteID: defaultSiteID, messageIDs: [a.messageID, a.messageID, other.messageID], now: at(2))
        t.expectEqual(count, 1, "acknowledged once, only on the caller's site")
        let redelivered = try await take(t, at: 40)
        t.expectEqual(redelivered.messages.map(\.id), [b.messageID], "acked message never returns; the other comes back")
        t.expectEqual(try await take(t, site: "acme", at: 40).messages.map(\.id), [other.messageID], "other site's message untouched")
    }

    @Sendable static func idempotencyKeys(_ t: StoreUnderTest) async throws {
        let first = try await post(t, "session_i", "once", client: "c-1")
        let retry = try await post(t, "session_i", "once", at: 1, client: "c-1")
        t.expectEqual(retry.messageID, first.messageID, "same client_message_id, same message")
        t.expect(retry.replayed && !first.replayed, "the retry is marked replayed")
        t.expectEqual(try await take(t, at: 2).messages.count, 1, "stored once")
        let reply = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_i", text: "hi", messageID: .null, clientResponseID: "r-1", now: at(3))
        let again = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_i", text: "hi", messageID: .null, clientResponseID: "r-1", now: at(4))
        t.expectEqual(again.id, reply.id, "same client_response_id, same reply")
        t.expect(again.replayed && !reply.replayed, "the reply retry is marked replayed")
        let replies = try await t.store.replies(siteID: defaultSiteID, sessionID: "session_i", since: nil, sinceID: nil, ip: nil, now: at(5))
        t.expectEqual(replies.count, 1, "reply stored once")
    }

    @Sendable static func textStoredExactly(_ t: StoreUnderTest) async throws {
        let text = "before\u{0}after \u{1F600} \u{200F}עברית"
        try await post(t, "session_nul", text)
        t.expectEqual(try await take(t, at: 1).messages.first?.message, text, "inbox returns what was stored, NUL included")
        _ = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_nul", text: text, messageID: .string("a\u{0}b"),
                                        clientResponseID: nil, now: at(2))
        let reply = try await t.store.replies(siteID: defaultSiteID, sessionID: "session_nul", since: nil, sinceID: nil, ip: nil, now: at(3)).first
        t.expectEqual(reply?.response, text, "reply text, NUL included")
        t.expectEqual(reply?.messageID, .string("a\u{0}b"), "message_id text, NUL included")
        let events = try await t.store.events(in: .session("session_nul", site: defaultSiteID), after: 0, limit: 10)
        t.expectEqual(events.first?.data["text"], .string(text), "the event log agrees with the store")
        let history = try await t.store.conversationHistory(siteID: nil, sessionID: "session_nul")
        t.expectEqual(history?.items.map(\.text), [text, text], "the console agrees too")
    }

    @Sendable static func siteIsolation(_ t: StoreUnderTest) async throws {
        try await post(t, "session_acme", "hello", site: "acme")
        try await post(t, "session_mine", "mine")
        t.expectEqual(try await t.store.siteOfSession("session_acme"), "acme", "site of a session")
        t.expectEqual(try await t.store.siteOfSession("session_none"), nil, "unknown session has no site")
        await t.expectRefusal(.otherSite, "posting into another site's session") {
            _ = try await post(t, "session_acme", "intruder")
        }
        await t.expectRefusal(.otherSite, "replying to another site's session") {
            _ = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_acme", text: "x", messageID: .null, clientResponseID: nil, now: at(1))
        }
        await t.expectRefusal(.unknownSession, "replying to a session that never existed") {
            _ = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_never", text: "x", messageID: .null, clientResponseID: nil, now: at(1))
        }
        await t.expectRefusal(.otherSite, "reading another site's replies") {
            _ = try await t.store.replies(siteID: defaultSiteID, sessionID: "session_acme", since: nil, sinceID: nil, ip: nil, now: at(1))
        }
        t.expectEqual(try await take(t, at: 2).messages.map(\.message), ["mine"], "inbox holds the caller's site only")
        let acme = try await t.store.conversations(siteID: "acme", query: nil, limit: 50, offset: 0)
        t.expectEqual(acme.items.map(\.sessionID), ["session_acme"], "console list of one site")
        t.expectEqual(acme.total, 1, "console total of one site")
        t.expect(try await t.store.conversationHistory(siteID: defaultSiteID, sessionID: "session_acme") == nil, "history of another site's session")
        t.expect(try await t.store.events(in: .session("session_acme", site: defaultSiteID), after: 0, limit: 100).isEmpty,
                 "a session scope of another site sees none of that session's events")
        let acmeEvents = try await t.store.events(in: .site("acme"), after: 0, limit: 100)
        t.expect(!acmeEvents.isEmpty && acmeEvents.allSatisfy { $0.siteID == "acme" }, "site scope holds that site's events only")
    }

    @Sendable static func eventsInCommitOrder(_ t: StoreUnderTest) async throws {
        let m = try await post(t, "session_e", "hello")
        try await post(t, "session_f", "other")
        _ = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_e", text: "answer", messageID: .int(m.messageID),
                                        clientResponseID: nil, now: at(1))
        try await t.store.recordTyping(siteID: defaultSiteID, sessionID: "session_e", from: .visitor, active: true, now: at(2))
        _ = try await take(t, at: 3)
        let all = try await t.store.events(in: .all, after: 0, limit: 100)
        t.expectEqual(all.map(\.id), all.map(\.id).sorted(), "ids increase")
        t.expectEqual(Set(all.map(\.id)).count, all.count, "ids are unique")
        t.expectEqual(all.filter { $0.sessionID == "session_e" }.map(\.type), ["message", "reply", "typing", "delivered"], "one conversation's events")
        t.expectEqual(all.filter { $0.sessionID == "session_e" }.map(\.seq), [1, 2, 3, 4], "per-conversation sequence")
        t.expectEqual(all.first?.data["text"], .string("hello"), "message event carries the text")
        t.expectEqual(all.first(where: { $0.type == "reply" })?.data["message_id"], .int(m.messageID), "reply event carries message_id")
        t.expectEqual(try await t.publishedEvents { $0.count >= all.count }.map(\.id), all.map(\.id), "the sink got every committed event, in id order")
        let session = try await t.store.events(in: .session("session_e", site: defaultSiteID), after: all[1].id, limit: 2)
        t.expectEqual(session.map(\.type), ["reply", "typing"], "session scope after a cursor, limited")
        let range = try await t.store.eventRange()
        t.expectEqual(range.newest, all.last?.id ?? -1, "newest event id")
        t.expectEqual(range.purgedBelow, all.first?.id ?? -1, "nothing purged yet")
        try await t.store.appendPluginEvent(siteID: defaultSiteID, pluginID: "probe", name: "probe.ping", attributes: ["n": "1"], now: at(5))
        try await t.store.appendPluginEvent(siteID: nil, pluginID: "probe", name: "probe.global", attributes: [:], now: at(5))
        let plugin = try await t.store.events(in: .site(defaultSiteID), after: all.last!.id, limit: 10)
        t.expectEqual(plugin.map(\.type), ["plugin"], "a plugin event reaches its site's subscribers")
        t.expectEqual(plugin.first?.data["name"], .string("probe.ping"), "plugin event name")
        t.expectEqual(plugin.first?.data["attributes"]?["n"], .string("1"), "plugin event attributes")
        t.expectEqual(try await t.store.events(in: .all, after: all.last!.id, limit: 10).count, 2, "the operator sees every plugin event")
        t.expect(try await t.store.events(in: .session("session_e", site: defaultSiteID), after: all.last!.id, limit: 10).isEmpty, "visitors never see plugin events")
        await t.expectRefusal(.unknownSession, "typing in a session that does not exist") {
            try await t.store.recordTyping(siteID: defaultSiteID, sessionID: "session_ghost", from: .agent, active: true, now: at(4))
        }
    }

    @Sendable static func readPositions(_ t: StoreUnderTest) async throws {
        let first = try await post(t, "session_r", "one")
        let second = try await post(t, "session_r", "two")
        try await t.store.markRead(siteID: defaultSiteID, sessionID: "session_r", by: .agent, upTo: first.messageID, now: at(1))
        try await t.store.markRead(siteID: defaultSiteID, sessionID: "session_r", by: .agent, upTo: first.messageID, now: at(2))
        let reads = try await t.store.events(in: .session("session_r", site: defaultSiteID), after: 0, limit: 100).filter { $0.type == "read" }
        t.expectEqual(reads.count, 1, "a read that does not move records nothing")
        let history = try await t.store.conversationHistory(siteID: nil, sessionID: "session_r")
        t.expectEqual(history?.agentReadUpTo, first.messageID, "agent read position")
        t.expectEqual(history?.items.map(\.status), ["read", "sent"], "statuses follow the read position")
        _ = try await take(t, at: 3)
        let delivered = try await t.store.conversationHistory(siteID: nil, sessionID: "session_r")
        t.expectEqual(delivered?.items.last?.status, "delivered", "taken message is delivered")
        t.expectEqual(delivered?.items.last?.id, second.messageID, "history in order")
        t.expectEqual(delivered?.lastEventID, try await t.store.eventRange().newest, "history's last event id")
    }

    @Sendable static func eventRetention(_ t: StoreUnderTest) async throws {
        try await post(t, "session_old", "old", at: 0)
        try await t.store.recordTyping(siteID: defaultSiteID, sessionID: "session_old", from: .visitor, active: true, now: at(100))
        try await post(t, "session_old", "new", at: 200)
        let purged = try await t.store.purgeEvents(olderThan: at(50), typingOlderThan: at(150))
        t.expectEqual(purged, 2, "old events and the stale typing event")
        let left = try await t.store.events(in: .all, after: 0, limit: 100)
        t.expectEqual(left.map { $0.data["text"] }, [.string("new")], "the recent event stays")
        let range = try await t.store.eventRange()
        t.expectEqual(range.purgedBelow, left.first?.id ?? -1, "purged-below moves to the oldest kept event")
        _ = try await t.store.purgeEvents(olderThan: at(1000), typingOlderThan: at(1000))
        let empty = try await t.store.eventRange()
        t.expectEqual(empty.newest, range.newest, "ids are never reused after a purge")
        t.expectEqual(empty.purgedBelow, range.newest + 1, "everything purged")
    }

    @Sendable static func idleCleanup(_ t: StoreUnderTest) async throws {
        let idle = try await post(t, "session_idle", "bye", at: 0)
        _ = try await take(t, at: 1)
        try await post(t, "session_waiting", "still pending", at: 0)
        let deleted = try await t.store.deleteIdleSessions(before: Timestamps.database(at(3600)), now: at(3601))
        t.expectEqual(deleted, 1, "only the session without pending messages")
        t.expectEqual(try await t.store.siteOfSession("session_idle"), nil, "deleted")
        t.expectEqual(try await t.store.siteOfSession("session_waiting"), defaultSiteID, "kept while it has pending messages")
        let reply = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_idle", text: "still there?", messageID: .null,
                                                clientResponseID: nil, now: at(3700))
        t.expect(reply.id > 0, "a reply to a cleaned-up session revives it")
        let again = try await post(t, "session_idle", "back", at: 3800)
        t.expectEqual(again.uid, idle.uid, "the revived session keeps its uid")
        t.expect(!again.isNewUser, "the revived session is not new")
        await t.expectRefusal(.otherSite, "a cleaned-up session stays its site's") {
            _ = try await post(t, "session_idle", "intruder", site: "acme", at: 3900)
        }
    }

    @Sendable static func consoleQueries(_ t: StoreUnderTest) async throws {
        let a = try await post(t, "session_one", "first", at: 0)
        try await post(t, "session_two", "second", at: 10)
        _ = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_one", text: "answer", messageID: .null, clientResponseID: nil, now: at(20))
        let list = try await t.store.conversations(siteID: nil, query: nil, limit: 10, offset: 0)
        t.expectEqual(list.items.map(\.sessionID), ["session_one", "session_two"], "newest activity first")
        t.expectEqual(list.items.first?.lastMessage?.text, "answer", "last message of a conversation")
        t.expectEqual(list.items.first?.unread, 1, "unread visitor messages")
        t.expectEqual(list.items.first?.responseCount, 1, "reply count")
        let found = try await t.store.conversations(siteID: nil, query: a.uid, limit: 10, offset: 0)
        t.expectEqual(found.items.map(\.sessionID), ["session_one"], "search by uid prefix")
        let paged = try await t.store.conversations(siteID: nil, query: "session_", limit: 1, offset: 1)
        t.expectEqual(paged.items.map(\.sessionID), ["session_two"], "search by id prefix, paged")
        t.expectEqual(paged.total, 2, "total of the search")
        let sessions = try await t.store.sessions(activeSince: Timestamps.database(at(5)), limit: 10, offset: 0)
        t.expectEqual(sessions.sessions.map(\.id), ["session_one", "session_two"], "admin list: active since, newest first")
        t.expectEqual(sessions.sessions.first?.messageCount, 1, "admin list message count")
        let history = try await t.store.history(sessionID: "session_one")
        t.expectEqual(history?.messages.map(\.message), ["first"], "admin history messages")
        t.expectEqual(history?.replies.map(\.response), ["answer"], "admin history replies")
        try await t.store.touch(sessionIDs: ["session_two"], now: at(30))
        let touched = try await t.store.conversations(siteID: nil, query: nil, limit: 10, offset: 0)
        t.expectEqual(touched.items.first?.sessionID, "session_two", "touch moves last_active")
    }

    @Sendable static func configurationAndKeys(_ t: StoreUnderTest) async throws {
        try await t.store.setConfiguration([("session_timeout", .int(60)), ("name", .string("x"))], now: at(0))
        try await t.store.setConfiguration([("session_timeout", .string("90")), ("ratio", .double(0.5))], now: at(1))
        let rows = try await t.store.configuration()
        t.expectEqual(rows.map(\.key), ["session_timeout", "name", "ratio"], "insertion order, upserts keep their place")
        t.expectEqual(rows.map(\.value), [.string("90"), .string("x"), .string("0.5")], "values as text (the legacy column's affinity)")
        try await t.store.setSiteKey(siteID: "acme", hash: "h1", now: at(2))
        try await t.store.setSiteKey(siteID: "acme", hash: "h2", now: at(3))
        t.expectEqual(try await t.store.siteKeys(), ["acme": "h2"], "site keys upsert")
    }

    @Sendable static func clearAll(_ t: StoreUnderTest) async throws {
        try await post(t, "session_c", "one")
        try await post(t, "session_c", "two")
        _ = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_c", text: "r", messageID: .null, clientResponseID: nil, now: at(1))
        let newest = try await t.store.eventRange().newest
        try await post(t, "session_acme", "a", site: "acme")
        let counts = try await t.store.clearAll(now: at(1))
        t.expectEqual(counts, DataCounts(sessions: 2, messages: 3, responses: 1), "counts before the clear")
        t.expectEqual(try await t.store.conversations(siteID: nil, query: nil, limit: 10, offset: 0).total, 0, "nothing left")
        let left = try await t.store.events(in: .all, after: 0, limit: 10)
        t.expectEqual(left.map(\.data), [ChatEvent.conversationDeletedData(sessionID: "session_acme", reason: "clear"),
                                        ChatEvent.conversationDeletedData(sessionID: "session_c", reason: "clear")],
                      "the conversations' events are cleared; plugins are told, one event per conversation")
        t.expectEqual(left.map(\.siteID), ["acme", defaultSiteID], "each of its site")
        try await post(t, "session_c", "after", at: 2)
        let next = try await t.store.events(in: .all, after: 0, limit: 10)
        t.expect((next.first?.id ?? 0) > newest, "event ids keep growing after a clear")
    }
}
