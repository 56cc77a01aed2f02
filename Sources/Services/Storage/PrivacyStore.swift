import Foundation

/// What ``PrivacyStore/eraseConversations(sessionIDs:reason:now:)`` deleted: the ids only, never
/// the contents.
public struct ErasedConversations: Sendable, Equatable {
    /// Sessions that existed (or had left a tombstone) and are gone now.
    public var sessionIDs: [String]
    /// Ids of the visitor messages deleted.
    public var messageIDs: [Int64]
    /// Ids of the agent replies deleted.
    public var replyIDs: [Int64]
    /// Event-log entries deleted (the conversations' own and plugin events naming them).
    public var events: Int

    /// A value with every field given.
    public init(sessionIDs: [String] = [], messageIDs: [Int64] = [], replyIDs: [Int64] = [], events: Int = 0) {
        self.sessionIDs = sessionIDs
        self.messageIDs = messageIDs
        self.replyIDs = replyIDs
        self.events = events
    }
}

/// Erasing conversations for good and finding old ones (docs/privacy.md).
public protocol PrivacyStore: Sendable {
    /// Deletes these conversations for good, in one transaction: the session rows and their
    /// tombstones, messages and replies (with their metadata), read positions, the conversations'
    /// events and the plugin events whose data names one of them. Then appends, per erased session,
    /// a ``ChatEvent/conversationDeleted`` event outside any conversation (session id empty, data
    /// `{session_id, reason}`) so plugins delete what they keep about it. Unknown ids are skipped.
    func eraseConversations(sessionIDs: [String], reason: String, now: Date) async throws -> ErasedConversations
    /// Sessions of `siteID` whose last activity is before `cutoff` (a database timestamp), least
    /// recently active first, at most `limit` (retention).
    func sessionsInactive(siteID: String, before cutoff: String, limit: Int) async throws -> [String]
}

extension ChatEvent {
    /// The type of the event that tells plugins a conversation was deleted.
    public static let conversationDeleted = "conversation_deleted"

    /// The data of a ``conversationDeleted`` event.
    public static func conversationDeletedData(sessionID: String, reason: String) -> JSON {
        ["session_id": .string(sessionID), "reason": .string(reason)]
    }
}
