import Foundation

/// A visitor message as the agent inbox delivers it.
public struct InboxMessage: Sendable, Equatable {
    public var id: Int64
    public var sessionID: String
    public var message: String
    public var timestamp: String
    public var uid: String?
    /// What plugins attached, by plugin id (an object of objects); `nil` when none.
    public var metadata: JSON?

    /// A value with every field given.
    public init(id: Int64, sessionID: String, message: String, timestamp: String, uid: String? = nil, metadata: JSON? = nil) {
        self.id = id
        self.sessionID = sessionID
        self.message = message
        self.timestamp = timestamp
        self.uid = uid
        self.metadata = metadata
    }
}

/// An agent reply as the visitor sees it.
public struct Reply: Sendable, Equatable {
    public var id: Int64
    public var response: String
    public var timestamp: String
    /// The `message_id` the agent attached, as stored: null (usually), a number or a string.
    public var messageID: JSON
    /// What plugins attached, by plugin id (an object of objects); `nil` when none.
    public var metadata: JSON?

    /// A reply as stored.
    public init(id: Int64, response: String, timestamp: String, messageID: JSON, metadata: JSON? = nil) {
        self.id = id
        self.response = response
        self.timestamp = timestamp
        self.messageID = messageID
        self.metadata = metadata
    }
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

    /// A value with every field given.
    public init(id: String, uid: String? = nil, createdAt: String? = nil, lastActive: String? = nil, ipAddress: String? = nil, metadata: String? = nil, messageCount: Int64, responseCount: Int64) {
        self.id = id
        self.uid = uid
        self.createdAt = createdAt
        self.lastActive = lastActive
        self.ipAddress = ipAddress
        self.metadata = metadata
        self.messageCount = messageCount
        self.responseCount = responseCount
    }
}

/// The result of storing a visitor message.
public struct PostedMessage: Sendable, Equatable {
    public var messageID: Int64
    public var uid: String
    /// The session row did not exist before this request.
    public var isNewUser: Bool
    /// A retry of a message already stored (same `client_message_id`): nothing new was stored.
    public var replayed = false

    /// A value with every field given.
    public init(messageID: Int64, uid: String, isNewUser: Bool, replayed: Bool = false) {
        self.messageID = messageID
        self.uid = uid
        self.isNewUser = isNewUser
        self.replayed = replayed
    }
}

/// One page of the agent inbox.
public struct InboxPage: Sendable {
    public var messages: [InboxMessage]
    /// Undelivered messages matching the filter, counted before this page was marked.
    public var total: Int64
    /// The verified users of the page's conversations, when the store read them with the page
    /// (`nil`: ask ``IdentityStore/identities(sessionIDs:)``).
    public var identities: [String: VerifiedIdentity]?

    /// A value with every field given.
    public init(messages: [InboxMessage], total: Int64, identities: [String: VerifiedIdentity]? = nil) {
        self.messages = messages
        self.total = total
        self.identities = identities
    }
}

/// A visitor message of the admin history (processed or not).
public struct HistoryMessage: Sendable, Equatable {
    public var id: Int64
    public var sessionID: String
    public var message: String
    public var timestamp: String

    /// A value with every field given.
    public init(id: Int64, sessionID: String, message: String, timestamp: String) {
        self.id = id
        self.sessionID = sessionID
        self.message = message
        self.timestamp = timestamp
    }
}

/// Row counts of the conversation tables.
public struct DataCounts: Sendable, Equatable {
    public var sessions: Int64
    public var messages: Int64
    public var responses: Int64

    /// A value with every field given.
    public init(sessions: Int64, messages: Int64, responses: Int64) {
        self.sessions = sessions
        self.messages = messages
        self.responses = responses
    }
}

/// Why the store refused a change.
public enum StoreRefusal: Error, Equatable {
    /// The session never existed (no row, no tombstone, no message).
    case unknownSession
    /// The session belongs to another site.
    case otherSite
}

/// The storage seam: one protocol per concern, in domain types only. A driver (SQLite, memory,
/// PostgreSQL) conforms to all of them — ``ChatStore`` — and the driver conformance suite
/// (`Tests/StoreConformance`) pins the semantics every driver keeps.
///
/// Every method is one atomic unit: multi-step changes run in one transaction. Methods that
/// append events hand them, after the commit and in id order, to the driver's event sink.

/// Visitor messages and their delivery to agents.
public protocol MessageStore: Sendable {
    /// Stores a visitor message, creating its session (with a uid) on first sight. When
    /// `clientMessageID` was already stored for this session, stores nothing and returns the
    /// original message id. Appends a `message` event. `metadata` (an object of namespaced
    /// objects, or `nil`) is stored with the message and comes back unchanged from the inbox,
    /// the event (as `data.metadata`, absent when `nil`) and the console history.
    func postMessage(siteID: String, sessionID: String, text: String, metadata: JSON?, clientMessageID: String?, ip: String?,
                     now: Date) async throws -> PostedMessage
    /// Selects the site's undelivered messages in (timestamp, id) order and marks them delivered,
    /// atomically — or, with a `lease`, hides them for that long unless acknowledged. Leased
    /// messages are skipped, and so are later messages of a conversation with a leased one (FIFO
    /// per conversation). Appends a `delivered` event per conversation.
    func takeInbox(siteID: String, limit: Int, offset: Int, since: String?, lease: TimeInterval?, now: Date) async throws -> InboxPage
    /// How many messages of the site an inbox call would deliver now.
    func pendingCount(siteID: String, since: String?, now: Date) async throws -> Int64
    /// Acknowledges messages of the site (leased or pending): they are never delivered again.
    func acknowledge(siteID: String, messageIDs: [Int64], now: Date) async throws -> Int
}

/// Agent replies and the visitor's view of them.
public protocol ReplyStore: Sendable {
    /// Stores an agent reply; throws ``StoreRefusal/unknownSession`` for a session that never
    /// existed and ``StoreRefusal/otherSite`` for another site's session. A retry with the same
    /// `clientResponseID` stores nothing and returns the original id. Appends a `reply` event.
    /// `metadata` round-trips as for ``MessageStore/postMessage(siteID:sessionID:text:metadata:clientMessageID:ip:now:)``
    /// (replies, the event, the histories).
    func postReply(siteID: String, sessionID: String, text: String, metadata: JSON?, messageID: JSON, clientResponseID: String?,
                   now: Date) async throws -> (id: Int64, replayed: Bool)
    /// Replies of a session after the cursors; none for a session that does not exist (nothing is
    /// created: a bare poll leaves no row, issue 9). Throws ``StoreRefusal/otherSite`` for another
    /// site's session. `ip` and `now` are unused since then (kept for the drivers' signature).
    func replies(siteID: String, sessionID: String, since: String?, sinceID: Int64?, ip: String?, now: Date) async throws -> [Reply]
}

/// Sessions: ownership, the admin list, activity and cleanup.
public protocol SessionStore: Sendable {
    /// The site of a session, `nil` if it does not exist.
    func siteOfSession(_ sessionID: String) async throws -> String?
    /// Sessions (active since a DBTS, or all), newest activity first, with the total.
    func sessions(activeSince: String?, limit: Int, offset: Int) async throws -> (sessions: [SessionSummary], total: Int64)
    /// One session with its whole history, or `nil` if it does not exist.
    func history(sessionID: String) async throws -> (session: SessionSummary, messages: [HistoryMessage], replies: [Reply])?
    /// Deletes sessions idle since before `cutoff` that have no undelivered messages, with their
    /// messages and replies, leaving a tombstone so the uid and site survive. Returns how many.
    func deleteIdleSessions(before cutoff: String, now: Date) async throws -> Int
    /// Deletes every session, message, reply, event and rate-limit row; returns the counts before.
    /// Event ids keep growing afterwards.
    ///
    /// In the same transaction it then logs a ``ChatEvent/conversationDeleted`` event (reason
    /// `clear`) per deleted session and tombstone, so plugins delete their data too.
    func clearAll(now: Date) async throws -> DataCounts
    /// Sets `last_active` of these sessions to `now` (never backwards).
    func touch(sessionIDs: [String], now: Date) async throws
}

/// The event log, typing and read positions.
public protocol EventStore: Sendable {
    /// Events in `scope` after `cursor`, oldest first, at most `limit`.
    func events(in scope: EventScope, after cursor: Int64, limit: Int) async throws -> [ChatEvent]
    /// The id below which events have been purged (a cursor under it must reset), and the newest id.
    func eventRange() async throws -> (purgedBelow: Int64, newest: Int64)
    /// Records a typing signal (a `typing` event); the session must exist and be the site's.
    func recordTyping(siteID: String, sessionID: String, from: Party, active: Bool, now: Date) async throws
    /// Moves a side's read position forward (never back); records a `read` event if it moved.
    func markRead(siteID: String, sessionID: String, by: Party, upTo: Int64, now: Date) async throws
    /// Appends a plugin's event (type `plugin`, data `{plugin, name, attributes}`) outside any
    /// conversation: its session id is empty, so site subscribers (agents) and the operator see
    /// it, visitors never. A `nil` site is the operator's only.
    func appendPluginEvent(siteID: String?, pluginID: String, name: String, attributes: [String: String], now: Date) async throws
    /// Deletes events older than the retention (typing events after `typingOlderThan`).
    func purgeEvents(olderThan: Date, typingOlderThan: Date) async throws -> Int
}

/// The operator console's reads.
public protocol ConsoleStore: Sendable {
    /// Conversations of a site (or all), newest activity first; `query` matches a session id or uid prefix.
    func conversations(siteID: String?, query: String?, limit: Int, offset: Int) async throws -> (items: [ConversationSummary], total: Int64)
    /// One conversation's history with statuses, if it exists (and belongs to `siteID` when given).
    func conversationHistory(siteID: String?, sessionID: String) async throws -> ConversationHistory?
}

/// Server settings: `system_config` rows and the sites' hashed agent keys.
public protocol SettingsStore: Sendable {
    /// Every `system_config` row in insertion order; values come back as text or null (the legacy column has TEXT affinity).
    func configuration() async throws -> [(key: String, value: JSON)]
    /// Upserts `system_config` rows, all or nothing; an updated row keeps its place.
    func setConfiguration(_ values: [(key: String, value: JSON)], now: Date) async throws
    /// Hashed agent keys of the sites, by site id.
    func siteKeys() async throws -> [String: String]
    /// Stores the hashed agent key of a site.
    func setSiteKey(siteID: String, hash: String, now: Date) async throws
}

/// One plugin value as a privacy export lists it.
public struct StoredPluginValue: Sendable, Equatable {
    /// The plugin (or host namespace) that owns it.
    public var pluginID: String
    /// Its key.
    public var key: String
    /// Its bytes.
    public var value: Data

    /// A value of `pluginID` at `key`.
    public init(pluginID: String, key: String, value: Data) {
        self.pluginID = pluginID
        self.key = key
        self.value = value
    }
}

/// Plugins' own key-value data, namespaced by plugin id. A value may carry an expiry: from
/// `now >= expiresAt` on it is neither returned nor listed nor seen by an update, and each write
/// of a plugin deletes that plugin's expired values.
public protocol PluginDataStore: Sendable {
    /// A plugin's stored value, unless it has expired at `now`.
    func pluginValue(pluginID: String, key: String, now: Date) async throws -> Data?
    /// Runs `writes` in order in ONE transaction, all or nothing: a later write of a key sees the
    /// earlier ones, and no other write runs in between (each key is locked across instances
    /// where the database is shared). A throw from a transform changes nothing and is rethrown.
    /// Deletes the plugin's expired values first. Returns each write's new value (`nil`: removed).
    func applyPluginWrites(pluginID: String, writes: [PluginDataWrite], now: Date) async throws -> [Data?]
    /// A plugin's unexpired keys starting with `prefix`, in byte order.
    func pluginKeys(pluginID: String, prefix: String, now: Date) async throws -> [String]
    /// Every plugin's unexpired values whose key contains `needle` (a session id, for a privacy
    /// export), by plugin and key, at most `limit`. A scan: for rare administrative reads only.
    func pluginValues(keyContaining needle: String, now: Date, limit: Int) async throws -> [StoredPluginValue]
    /// Deletes every plugin's values that expired at `now` (a plugin's own writes delete its
    /// expired values too; this sweeps those of plugins that stopped writing). Returns how many.
    func purgeExpiredPluginValues(now: Date) async throws -> Int
}

extension MessageStore {
    /// Stores a visitor message without metadata.
    public func postMessage(siteID: String, sessionID: String, text: String, clientMessageID: String?, ip: String?, now: Date) async throws -> PostedMessage {
        try await postMessage(siteID: siteID, sessionID: sessionID, text: text, metadata: nil, clientMessageID: clientMessageID, ip: ip, now: now)
    }
}

extension ReplyStore {
    /// Stores an agent reply without metadata.
    public func postReply(siteID: String, sessionID: String, text: String, messageID: JSON, clientResponseID: String?,
                          now: Date) async throws -> (id: Int64, replayed: Bool) {
        try await postReply(siteID: siteID, sessionID: sessionID, text: text, metadata: nil, messageID: messageID,
                            clientResponseID: clientResponseID, now: now)
    }
}

/// A whole storage driver: every concern of the seam.
public typealias ChatStore = MessageStore & ReplyStore & SessionStore & EventStore & ConsoleStore & SettingsStore & PluginDataStore & PrivacyStore & IdentityStore

/// The site every session without one belongs to: the legacy single site.
public let defaultSiteID = "default"
