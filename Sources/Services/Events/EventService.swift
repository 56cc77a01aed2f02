import Foundation

/// One page of the event log for a subscriber.
public struct EventPage: Sendable {
    /// Events after the cursor, oldest first.
    public var events: [ChatEvent]
    /// The cursor to resume from.
    public var lastEventID: Int64
    /// The cursor was older than the retained log: the client must reload and resume from `lastEventID`.
    public var reset: Bool
}

/// The event log as subscribers read it: scope by caller, replay after a cursor, purged
/// cursors, long-polls that wake on the next event.
public struct EventService: Sendable {
    /// Most events in one page.
    public static let pageSize = 500

    let store: any ChatStore
    let bus: EventBus
    let access: AccessControl

    /// Events from this store, woken by this bus.
    public init(store: any ChatStore, bus: EventBus, access: AccessControl) {
        self.store = store
        self.bus = bus
        self.access = access
    }

    /// The scope a caller may follow: an agent its site, the operator everything, a visitor one
    /// session id on its own site (after the site's authorizers). The scope is decided here and
    /// never widens: a session id that belongs (or later belongs) to another site is followed
    /// like an empty session of the visitor's site — nothing of the other site is delivered, and
    /// nothing tells the visitor that the id exists there.
    public func scope(for caller: Caller, sessionID: String?, request: ClientRequest) async throws -> EventScope {
        if let scope = caller.agentScope { return scope }
        guard case .visitor(let site) = caller else { throw ServiceError.invalidSession }
        guard let sessionID, !sessionID.isEmpty else { throw ServiceError.missingSessionID }
        guard BridgeRules.isValidSessionID(sessionID) else { throw ServiceError.invalidSessionID }
        try await access.authorizePublic(request, site: site)
        return .session(sessionID, site: site.id)
    }

    /// Events of `scope` after `cursor`; with `wait` > 0 and none yet, waits up to that many
    /// seconds for the next one. A cursor below the retained log answers `reset`.
    public func page(scope: EventScope, after cursor: Int64, wait: Int64) async throws -> EventPage {
        let range = try await store.eventRange()
        if Self.isPurged(cursor, purgedBelow: range.purgedBelow) {
            return EventPage(events: [], lastEventID: range.newest, reset: true)
        }
        var events = try await replayPage(scope: scope, after: cursor)
        if events.isEmpty, wait > 0 {
            let store = self.store
            if try await bus.wait(in: scope, timeout: .seconds(wait), afterSubscribing: {
                !(try await store.events(in: scope, after: cursor, limit: 1)).isEmpty
            }) {
                events = try await store.events(in: scope, after: cursor, limit: Self.pageSize)
            }
        }
        return EventPage(events: events, lastEventID: events.last?.id ?? cursor, reset: false)
    }

    /// The next page of events of `scope` after `cursor` (at most ``pageSize``), with no purge
    /// check: for a subscriber that already took its start from ``resumePoint(_:)``.
    public func replayPage(scope: EventScope, after cursor: Int64) async throws -> [ChatEvent] {
        try await store.events(in: scope, after: cursor, limit: Self.pageSize)
    }

    /// Where a resumed subscription starts: `cursor` itself, or — when events after it were
    /// purged — the newest id with `reset` set (the client must reload first).
    public func resumePoint(_ cursor: Int64) async throws -> (cursor: Int64, reset: Bool) {
        let range = try await store.eventRange()
        return Self.isPurged(cursor, purgedBelow: range.purgedBelow) ? (range.newest, true) : (cursor, false)
    }

    /// Whether a resume cursor points below the oldest retained event (events were purged in between).
    public static func isPurged(_ cursor: Int64, purgedBelow: Int64) -> Bool {
        cursor > 0 && cursor < purgedBelow - 1
    }

    /// The newest event id: a client that lists state and then resumes from here misses nothing.
    public func newestEventID() async throws -> Int64 {
        try await store.eventRange().newest
    }
}
