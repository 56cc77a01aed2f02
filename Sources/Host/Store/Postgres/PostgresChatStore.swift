import Foundation
import Logging
import PostgresNIO
import SanctumServices

/// ``ChatStore`` on PostgreSQL: for several instances sharing one database, or a database the
/// operator already runs. Same semantics as ``SQLiteChatStore`` (the driver conformance suite
/// pins them); a pool of connections (`PostgresClient`), bound statements, one transaction per
/// change, the event log ordered by commit (see ``PostgresDatabase``).
///
/// Every instance on the database hands the event sink every instance's events, once each and
/// in id order: its own commits directly, the others' when their `NOTIFY` arrives on its
/// LISTEN connection (``EventListener``, ``EventRelay``).
public final class PostgresChatStore: ChatStore {
    /// The URL the store was opened with (password masked in its description).
    public let url: PostgresURL
    let database: PostgresDatabase
    /// Hands committed events (of every instance) to the event sink, in id order.
    let relay: EventRelay
    /// Moves the events of this instance's writes from the queue into the log.
    let sequencer: EventSequencer
    private let listener: EventListener
    /// Where each site's inbox takes start their scan.
    private let floors = TakeFloors()

    /// Connects to `url`, migrating its schema forward first, and starts listening for the
    /// events of every instance: `eventSink` receives them in id order (it must not block).
    public init(url: PostgresURL, logger: Logger = Logger(label: "sanctum.postgres"),
                eventSink: @escaping @Sendable ([ChatEvent]) -> Void = { _ in }) async throws {
        self.url = url
        let database = PostgresDatabase(url: url, logger: logger)
        self.database = database
        let newest: Int64
        do {
            try await database.checkReachable(within: url.configuration.options.connectTimeout + .seconds(5), url: url)
            try await PostgresSchema.migrate(database)
            newest = try await database.read { c in try await EventLog.range(on: c).newest }
        } catch {
            await database.shutdown()
            throw error
        }
        // The relay reads through the pool directly: it must catch up as soon as the listener is back.
        relay = EventRelay(after: newest, sink: eventSink, read: { cursor, limit in
            try await database.client.withConnection { c in try await EventLog.events(in: .all, after: cursor, limit: limit, on: c) }
        }, logger: logger)
        sequencer = EventSequencer(run: { [relay] in
            while true {
                let moved = try await database.read { c in try await EventLog.sequence(limit: Self.sequencingBatch, on: c) }
                relay.moved(moved)
                if moved.count < Self.sequencingBatch { return }
            }
        }, queued: {
            try await database.read { c in try await EventLog.hasQueued(on: c) }
        }, logger: logger)
        listener = EventListener(client: database.client, relay: relay, sequencer: sequencer, health: database.health, logger: logger)
    }

    /// Most events one sequencing transaction moves into the log.
    static let sequencingBatch = 1000

    /// The schema version this build writes.
    public static var schemaVersion: Int64 { PostgresSchema.currentVersion }

    /// Closes the pool without waiting (queries after this fail).
    public func close() {
        stopListening()
        database.close()
    }

    /// Closes the pool and waits until every connection is closed.
    public func shutdown() async {
        stopListening()
        await database.shutdown()
    }

    private func stopListening() {
        listener.stop()
        sequencer.stop()
        relay.stop()
    }

    /// A write transaction whose returned events are queued in it and in the log when it
    /// returns (a sequencer run after the commit); the relay then reads and publishes them (with
    /// any other instance's numbered before them).
    func write<T: Sendable>(_ body: (PostgresConnection) async throws -> (T, [EventDraft])) async throws -> T {
        try await database.write(afterCommit: { [sequencer] in await sequencer.sequence() }, body)
    }

    public func postMessage(siteID: String, sessionID: String, text: String, metadata: JSON?, clientMessageID: String?, ip: String?,
                            now: Date) async throws -> PostedMessage {
        let posted = try await write { c in
            let session = try await Self.ensureSession(c, id: sessionID, siteID: siteID, ip: ip, now: now)
            if let clientMessageID, let existing = try await Self.existingMessage(c, sessionID: sessionID, clientMessageID: clientMessageID) {
                return (PostedMessage(messageID: existing, uid: session.uid, isNewUser: false, replayed: true), [])
            }
            let stamp = Timestamps.database(now)
            guard let id = try await c.value("""
                INSERT INTO web_chat_messages (session_id, message, timestamp, client_message_id, site_id, metadata)
                VALUES (\(sessionID), \(Data(text.utf8)), \(stamp), \(clientMessageID), \(siteID), \(metadata?.storedMetadataText))
                ON CONFLICT (session_id, client_message_id) WHERE client_message_id IS NOT NULL DO NOTHING RETURNING id
                """, as: Int64.self) else {
                // A concurrent retry with the same key committed first.
                let existing = try await Self.existingMessage(c, sessionID: sessionID, clientMessageID: clientMessageID ?? "") ?? 0
                return (PostedMessage(messageID: existing, uid: session.uid, isNewUser: false, replayed: true), [])
            }
            if !session.created { try await Self.markActive(c, sessionID, stamp) }
            let event = EventDraft(siteID: siteID, sessionID: sessionID, type: "message",
                                   data: ChatEvent.messageData(["message_id": .int(id), "text": .string(text), "timestamp": .string(stamp),
                                                                "client_message_id": .optional(clientMessageID)], metadata: metadata), now: now)
            return (PostedMessage(messageID: id, uid: session.uid, isNewUser: session.created), [event])
        }
        if !posted.replayed { floors.lower(siteID: siteID, to: (Timestamps.database(now), posted.messageID)) }
        return posted
    }

    private static func existingMessage(_ c: PostgresConnection, sessionID: String, clientMessageID: String) async throws -> Int64? {
        try await c.value("SELECT id FROM web_chat_messages WHERE session_id = \(sessionID) AND client_message_id = \(clientMessageID)")
    }

    /// The deliverable messages of a site, at a cost independent of the backlog: the per-site
    /// counters (migration 3) less the messages active leases hold back, which are few, in one
    /// statement. With `since`, the messages newer than it are counted (the pending index bounds
    /// that to them).
    public func pendingCount(siteID: String, since: String?, now: Date) async throws -> Int64 {
        try await database.read { c in try await Self.pendingCount(c, siteID: siteID, since: since, now: now) }
    }

    private static func pendingCount(_ c: PostgresConnection, siteID: String, since: String?, now: Date) async throws -> Int64 {
        if since != nil { return try await c.value(PostgresPendingQueries.deliverable("SELECT COUNT(*)", siteID: siteID, since: since, now: now)) ?? 0 }
        return try await c.run(PostgresPendingQueries.total(siteID: siteID, now: now)).first?.decode(Int64?.self) ?? 0
    }

    /// Counts, then — on the same connection, in one statement
    /// (``PostgresPendingQueries/take(siteID:since:now:page:leaseUntil:stamp:)``) — selects, marks
    /// and queues the `delivered` events of one page and reads its conversations' verified users:
    /// `FOR UPDATE SKIP LOCKED` keeps two agents taking at once (on any instance) from both getting
    /// a message.
    public func takeInbox(siteID: String, limit: Int, offset: Int, since: String?, lease: TimeInterval?, now: Date) async throws -> InboxPage {
        let (total, rows) = try await database.read { [floors] c -> (Int64, [PostgresRow]) in
            let total = try await Self.pendingCount(c, siteID: siteID, since: since, now: now)
            guard total > 0 else { return (0, []) }
            let floor = try await floors.floor(siteID: siteID, now: now) {
                try await c.rows(PostgresPendingQueries.oldestPending(siteID: siteID)).first?.decode((String, Int64).self)
            }
            let take = PostgresPendingQueries.take(siteID: siteID, since: since, now: now, page: (limit, offset),
                                                   leaseUntil: lease.map { now.timeIntervalSince1970 + $0 }, stamp: Timestamps.database(now),
                                                   floor: floor)
            // One statement outside `BEGIN`: its own transaction, whose commit queues the events.
            return (total, try await take.rows(on: c))
        }
        if total == 0 { return InboxPage(messages: [], total: 0) }
        var messages: [InboxMessage] = []
        var identities: [String: VerifiedIdentity] = [:]
        for row in rows {
            let (id, session, text, timestamp, uid, metadata, user, name, email) =
                try row.decode((Int64, String, Data, String, String?, String?, String?, String?, String?).self)
            messages.append(InboxMessage(id: id, sessionID: session, message: String(decoding: text, as: UTF8.self), timestamp: timestamp,
                                         uid: uid, metadata: StoredMetadata.json(metadata)))
            if let user { identities[session] = VerifiedIdentity(userID: user, name: name, email: email) }
        }
        if !messages.isEmpty { await sequencer.sequence() }
        messages.sort { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }
        return InboxPage(messages: messages, total: max(total, Int64(messages.count)), identities: identities)
    }

    public func acknowledge(siteID: String, messageIDs: [Int64], now: Date) async throws -> Int {
        guard !messageIDs.isEmpty else { return 0 }
        let stamp = Timestamps.database(now)
        return try await database.write { c in
            try await c.rows("""
                UPDATE web_chat_messages SET processed = TRUE, lease_until = NULL, delivered_at = COALESCE(delivered_at, \(stamp))
                WHERE id = ANY(\(Array(Set(messageIDs)))) AND site_id = \(siteID) AND NOT processed RETURNING id
                """).count
        }
    }

    public func postReply(siteID: String, sessionID: String, text: String, metadata: JSON?, messageID: JSON, clientResponseID: String?,
                          now: Date) async throws -> (id: Int64, replayed: Bool) {
        try await write { c in
            if let owner = try await c.value("SELECT site_id FROM web_chat_sessions WHERE id = \(sessionID)", as: String.self) {
                guard owner == siteID else { throw StoreRefusal.otherSite }
            } else {
                let tombstone = try await c.value("SELECT site_id FROM sanctum_session_tombstones WHERE id = \(sessionID)", as: String.self)
                let hasMessages = try await !c.rows("SELECT 1 FROM web_chat_messages WHERE session_id = \(sessionID) LIMIT 1").isEmpty
                guard tombstone != nil || hasMessages else { throw StoreRefusal.unknownSession }
                guard (tombstone ?? defaultSiteID) == siteID else { throw StoreRefusal.otherSite }
                _ = try await Self.ensureSession(c, id: sessionID, siteID: siteID, ip: nil, now: now)
            }
            if let clientResponseID, let existing = try await Self.existingReply(c, sessionID: sessionID, clientResponseID: clientResponseID) {
                return ((existing, true), [])
            }
            let stamp = Timestamps.database(now)
            guard let id = try await c.value("""
                INSERT INTO web_chat_responses (session_id, response, timestamp, message_id, client_response_id, metadata)
                VALUES (\(sessionID), \(Data(text.utf8)), \(stamp), \(StoredScalar.text(of: messageID)), \(clientResponseID),
                        \(metadata?.storedMetadataText))
                ON CONFLICT (session_id, client_response_id) WHERE client_response_id IS NOT NULL DO NOTHING RETURNING id
                """, as: Int64.self) else {
                return ((try await Self.existingReply(c, sessionID: sessionID, clientResponseID: clientResponseID ?? "") ?? 0, true), [])
            }
            try await Self.markActive(c, sessionID, stamp)
            let event = EventDraft(siteID: siteID, sessionID: sessionID, type: "reply",
                                   data: ChatEvent.messageData(["response_id": .int(id), "text": .string(text), "timestamp": .string(stamp),
                                                                "message_id": messageID], metadata: metadata), now: now)
            return ((id, false), [event])
        }
    }

    private static func existingReply(_ c: PostgresConnection, sessionID: String, clientResponseID: String) async throws -> Int64? {
        try await c.value("SELECT id FROM web_chat_responses WHERE session_id = \(sessionID) AND client_response_id = \(clientResponseID)")
    }

    public func replies(siteID: String, sessionID: String, since: String?, sinceID: Int64?, ip: String?, now: Date) async throws -> [Reply] {
        @Sendable func fetch(_ c: PostgresConnection) async throws -> (owner: String?, replies: [Reply]) {
            guard let owner = try await c.value("SELECT site_id FROM web_chat_sessions WHERE id = \(sessionID)", as: String.self) else {
                return (nil, [])
            }
            let rows = try await c.rows("""
                SELECT id, response, timestamp, message_id, metadata FROM web_chat_responses WHERE session_id = \(sessionID)
                AND (\(since)::text IS NULL OR timestamp > \(since)::text) AND (\(sinceID)::bigint IS NULL OR id > \(sinceID)::bigint)
                ORDER BY timestamp, id
                """)
            return (owner, try rows.map(Self.reply))
        }
        let result = try await database.read(fetch)
        guard result.owner == nil || result.owner == siteID else { throw StoreRefusal.otherSite }
        return result.replies
    }

    /// A reply from `id, response, timestamp, message_id, metadata`.
    static func reply(_ row: PostgresRow) throws -> Reply {
        let (id, text, timestamp, messageID, metadata) = try row.decode((Int64, Data, String, String?, String?).self)
        return Reply(id: id, response: String(decoding: text, as: UTF8.self), timestamp: timestamp, messageID: StoredScalar.json(from: messageID),
                     metadata: StoredMetadata.json(metadata))
    }
}

/// A reply's `message_id` (null, a number or a string) as stored: its JSON text, or NULL.
enum StoredScalar {
    /// The stored text of a scalar; `true`/`false` are stored as 1/0 as SQLite does, containers as NULL.
    static func text(of value: JSON) -> String? {
        switch value {
        case .int, .double, .string: return value.compactText
        case .bool(let b): return b ? "1" : "0"
        default: return nil
        }
    }

    /// The JSON value of stored text.
    static func json(from text: String?) -> JSON {
        text.flatMap { JSON.parse(Array($0.utf8)) } ?? .null
    }
}

/// The `metadata` column of messages and replies: compact JSON text, NULL when there is none.
enum StoredMetadata {
    /// The stored text parsed back (`nil` for NULL or text that is not JSON).
    static func json(_ text: String?) -> JSON? {
        text.flatMap { JSON.parse(Array($0.utf8)) }
    }
}
