import Foundation
import SanctumServices

/// Message metadata: stored with a message or reply, returned unchanged everywhere it is read.
extension StoreConformance {
    /// Metadata of every JSON kind, with text that needs escaping.
    static let sampleMetadata: JSON = [
        "i18n": ["original": "Grüß Gott 👋 \"quoted\"\n", "language": "de"],
        "attachments": ["ids": [1, 2, "a-3"], "ratio": 0.5, "inline": true, "thumbnail": .null, "nested": ["deep": [[]]]],
    ]

    @Sendable static func metadataRoundTrip(_ t: StoreUnderTest) async throws {
        let tagged = try await t.store.postMessage(siteID: defaultSiteID, sessionID: "session_meta", text: "hallo", metadata: sampleMetadata,
                                                   clientMessageID: nil, ip: "127.0.0.1", now: at(0))
        try await post(t, "session_meta", "plain", at: 1)
        let reply = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_meta", text: "answer", metadata: sampleMetadata,
                                                messageID: .null, clientResponseID: nil, now: at(2))
        _ = try await t.store.postReply(siteID: defaultSiteID, sessionID: "session_meta", text: "plain answer", messageID: .null,
                                        clientResponseID: nil, now: at(3))

        let history = try await t.store.conversationHistory(siteID: defaultSiteID, sessionID: "session_meta")
        t.expectEqual(history?.items.map(\.metadata), [sampleMetadata, nil, sampleMetadata, nil], "console history carries metadata, nil without")
        let replies = try await t.store.replies(siteID: defaultSiteID, sessionID: "session_meta", since: nil, sinceID: nil, ip: nil, now: at(4))
        t.expectEqual(replies.map(\.metadata), [sampleMetadata, nil], "visitor replies carry metadata, nil without")
        t.expectEqual(replies.first?.id, reply.id, "the tagged reply")
        let adminHistory = try await t.store.history(sessionID: "session_meta")
        t.expectEqual(adminHistory?.replies.map(\.metadata), [sampleMetadata, nil], "admin history replies carry metadata")

        let events = try await t.store.events(in: .session("session_meta", site: defaultSiteID), after: 0, limit: 10)
        let messageEvents = events.filter { $0.type == "message" || $0.type == "reply" }
        t.expectEqual(messageEvents.map { $0.data["metadata"] }, [sampleMetadata, nil, sampleMetadata, nil],
                      "message and reply events carry data.metadata only when there is some")
        let published = try await t.publishedEvents { $0.contains { $0.type == "message" } }
        t.expectEqual(published.filter { $0.type == "message" }.first?.data["metadata"], sampleMetadata, "the published event too")

        let inbox = try await take(t, lease: 30, at: 5)
        t.expectEqual(inbox.messages.map(\.metadata), [sampleMetadata, nil], "inbox (lease mode) carries metadata, nil without")
        t.expectEqual(inbox.messages.first?.id, tagged.messageID, "the tagged message")
        let redelivered = try await take(t, at: 40)
        t.expectEqual(redelivered.messages.map(\.metadata), [sampleMetadata, nil], "a redelivered message keeps its metadata")

        let retried = try await t.store.postMessage(siteID: defaultSiteID, sessionID: "session_meta", text: "again", metadata: nil,
                                                    clientMessageID: nil, ip: nil, now: at(41))
        let empty = try await t.store.conversationHistory(siteID: defaultSiteID, sessionID: "session_meta")
        t.expectEqual(empty?.items.first { $0.id == retried.messageID && $0.type == "message" }?.metadata, nil, "nil metadata stays nil")
    }
}
