import Foundation

/// A visitor message as the agent inbox delivers it.
public struct InboxMessage: Sendable, Equatable {
    public var id: Int64
    public var sessionID: String
    public var message: String
    public var timestamp: String
    public var uid: String?
}

/// An agent reply as the visitor sees it.
public struct Reply: Sendable, Equatable {
    public var id: Int64
    public var response: String
    public var timestamp: String
    /// The `message_id` the agent attached, as stored (usually NULL).
    public var messageID: SQLValue
}

/// A session row with its message and reply counts (the admin list).
public struct SessionSummary: Sendable, Equatable {
    public var id: String
    public var uid: String?
    public var createdAt: String?
    public var lastActive: String?
    public var ipAddress: String?
    public var metadata: String?
    public var messageCount: Int64
    public var responseCount: Int64
}

/// The result of storing a visitor message.
public struct PostedMessage: Sendable, Equatable {
    public var messageID: Int64
    public var uid: String
    /// The session row did not exist before this request.
    public var isNewUser: Bool
    /// A retry of a message already stored (same `client_message_id`): nothing new was stored.
    public var replayed = false
}

/// One page of the agent inbox.
public struct InboxPage: Sendable {
    public var messages: [InboxMessage]
    /// Undelivered messages matching the filter, counted before this page was marked.
    public var total: Int64
}

/// A visitor message of the admin history (processed or not).
public struct HistoryMessage: Sendable, Equatable {
    public var id: Int64
    public var sessionID: String
    public var message: String
    public var timestamp: String
}

/// Row counts of the conversation tables.
public struct DataCounts: Sendable, Equatable {
    public var sessions: Int64
    public var messages: Int64
    public var responses: Int64
}

/// Why the store refused a change.
public enum StoreRefusal: Error, Equatable {
    /// The session never existed (no row, no tombstone, no message).
    case unknownSession
    /// The session belongs to another site.
    case otherSite
}

/// The main store. The service layer depends on this protocol only, so a second implementation
/// (PostgreSQL, or an in-memory double) can be added without touching it.
///
/// Every method is one atomic unit: multi-step changes run in one transaction.
public protocol ChatStore: Sendable {
    /// Stores a visitor message, creating its session (with a uid) on first sight. When
    /// `clientMessageID` was already stored for this session, stores nothing and returns the
    /// original message id.
    func postMessage(siteID: String, sessionID: String, text: String, clientMessageID: String?, ip: String?, now: Date) async throws -> PostedMessage
    /// Selects the site's undelivered messages in (timestamp, id) order and marks them delivered,
    /// atomically — or, with a `lease`, hides them for that long unless acknowledged. Messages
    /// whose session row is gone count as the default site's; leased messages are skipped.
    func takeInbox(siteID: String, limit: Int, offset: Int, since: String?, lease: TimeInterval?, now: Date) async throws -> InboxPage
    /// How many messages of the site an inbox call would deliver now.
    func pendingCount(siteID: String, since: String?, now: Date) async throws -> Int64
    /// Stores an agent reply; throws ``StoreRefusal/unknownSession`` for a session that never
    /// existed and ``StoreRefusal/otherSite`` for another site's session.
    /// A retry with the same `clientResponseID` stores nothing and returns the original id.
    func postReply(siteID: String, sessionID: String, text: String, messageID: SQLValue, clientResponseID: String?, now: Date) async throws -> (id: Int64, replayed: Bool)
    /// Replies of a session after the cursors, creating the session (for `siteID`) if it is new;
    /// throws ``StoreRefusal/otherSite`` for another site's session.
    func replies(siteID: String, sessionID: String, since: String?, sinceID: Int64?, ip: String?, now: Date) async throws -> [Reply]
    /// Sessions (active in the last day, or all), newest activity first, with the total.
    func sessions(activeSince: String?, limit: Int, offset: Int) async throws -> (sessions: [SessionSummary], total: Int64)
    /// One session with its whole history, or `nil` if it does not exist.
    func history(sessionID: String) async throws -> (session: SessionSummary, messages: [HistoryMessage], replies: [Reply])?
    /// Every `system_config` row in insertion order.
    func configuration() async throws -> [(key: String, value: SQLValue)]
    /// Upserts `system_config` rows, all or nothing.
    func setConfiguration(_ values: [(key: String, value: SQLValue)], now: Date) async throws
    /// Deletes sessions idle since before `cutoff` that have no undelivered messages, with their
    /// messages and replies, leaving a tombstone so the uid survives. Returns how many.
    func deleteIdleSessions(before cutoff: String, now: Date) async throws -> Int
    /// Deletes every session, message, reply and rate-limit row; returns the counts before.
    func clearAll() async throws -> DataCounts
    /// Sets `last_active` of these sessions to `now` (batched activity from read paths).
    func touch(sessionIDs: [String], now: Date) async throws
    /// Hashed agent keys of the sites, by site id.
    func siteKeys() async throws -> [String: String]
    /// Stores the hashed agent key of a site.
    func setSiteKey(siteID: String, hash: String, now: Date) async throws
    /// A plugin's stored value.
    func pluginValue(pluginID: String, key: String) async throws -> Data?
    /// Stores (or, with `nil`, removes) a plugin's value.
    func setPluginValue(pluginID: String, key: String, value: Data?, now: Date) async throws
    /// A plugin's keys starting with `prefix`, sorted.
    func pluginKeys(pluginID: String, prefix: String) async throws -> [String]

    // MARK: Real time

    /// Events in `scope` after `cursor`, oldest first, at most `limit`.
    func events(in scope: EventScope, after cursor: Int64, limit: Int) async throws -> [ChatEvent]
    /// The id below which events have been purged (a cursor under it must reset), and the newest id.
    func eventRange() async throws -> (purgedBelow: Int64, newest: Int64)
    /// The site of a session, `nil` if it does not exist.
    func siteOfSession(_ sessionID: String) async throws -> String?
    /// Records a typing signal.
    func recordTyping(siteID: String, sessionID: String, from: Party, active: Bool, now: Date) async throws
    /// Moves a side's read position forward (never back); records a `read` event if it moved.
    func markRead(siteID: String, sessionID: String, by: Party, upTo: Int64, now: Date) async throws
    /// Acknowledges messages of the site (leased or pending): they are never delivered again.
    func acknowledge(siteID: String, messageIDs: [Int64], now: Date) async throws -> Int
    /// Conversations of a site (or all), newest activity first; `query` matches a session id or uid prefix.
    func conversations(siteID: String?, query: String?, limit: Int, offset: Int) async throws -> (items: [ConversationSummary], total: Int64)
    /// One conversation's history with statuses, if it exists (and belongs to `siteID` when given).
    func conversationHistory(siteID: String?, sessionID: String) async throws -> ConversationHistory?
    /// Deletes events older than the retention (typing events after `typingRetention`).
    func purgeEvents(olderThan: Date, typingOlderThan: Date) async throws -> Int
}

/// The site every session without one belongs to: the legacy single site.
public let defaultSiteID = "default"
