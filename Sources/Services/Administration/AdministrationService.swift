import Foundation

/// The operator's actions: sessions, configuration and keys, cleanup, clearing, and the
/// console's conversation list and history.
public struct AdministrationService: Sendable {
    let store: any ChatStore
    let keys: KeyStore
    let limiter: RateLimiter
    let defaultSessionTimeout: TimeInterval
    let clock: @Sendable () -> Date

    /// Administration of this store and key set; `defaultSessionTimeout` applies when
    /// `system_config` has no `session_timeout`.
    public init(store: any ChatStore, keys: KeyStore, limiter: RateLimiter, defaultSessionTimeout: TimeInterval,
                clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.keys = keys
        self.limiter = limiter
        self.defaultSessionTimeout = defaultSessionTimeout
        self.clock = clock
    }

    /// Sessions, newest activity first; `activeOnly` limits to the last day (list and total alike).
    public func sessions(activeOnly: Bool, limit: Int, offset: Int) async throws -> (sessions: [SessionSummary], total: Int64) {
        let activeSince = activeOnly ? Timestamps.database(clock().addingTimeInterval(-86_400)) : nil
        return try await store.sessions(activeSince: activeSince, limit: limit, offset: offset)
    }

    /// Every `system_config` row, with the stored key hashes masked.
    public func configuration() async throws -> [String: JSON] {
        var data: [String: JSON] = [:]
        for (key, value) in try await store.configuration() {
            data[key] = KeyKind(rawValue: key) == nil ? value : .string("********")
        }
        return data
    }

    /// Upserts `system_config` rows, all or nothing. Values are strings, numbers or booleans
    /// (stored as 0/1); `api_key` and `admin_key` must be new strong keys, stored hashed and in
    /// force at once.
    public func updateConfiguration(_ body: [String: JSON]) async throws {
        var writes: [(key: String, value: JSON)] = []
        var newKeys: [(KeyKind, String)] = []
        for key in body.keys.sorted() {
            let value: JSON
            switch body[key]! {
            case .string, .int: value = body[key]!
            case .double(let d) where d.isFinite: value = body[key]!
            case .bool(let b): value = .int(b ? 1 : 0)
            default: throw ServiceError(.invalidInput, "Invalid value for config key '\(key)': use a string, finite number or boolean")
            }
            if let kind = KeyKind(rawValue: key) {
                guard case .string(let secret) = value else { throw ServiceError(.invalidInput, "\(key) must be a string") }
                do { try KeyStore.validateNew(secret, kind: kind) } catch { throw ServiceError(.invalidInput, "\(error)") }
                let hashed = Secrets.hash(secret)
                newKeys.append((kind, hashed))
                writes.append((key, .string(hashed)))
            } else {
                writes.append((key, value))
            }
        }
        try await store.setConfiguration(writes, now: clock())
        for (kind, hashed) in newKeys { keys.update(kind, stored: hashed) }
    }

    /// Deletes sessions idle longer than `session_timeout` (a positive number of seconds in
    /// `system_config`, else the default) that have no undelivered messages; returns how many.
    public func cleanUpIdleSessions() async throws -> Int {
        var timeout = defaultSessionTimeout
        if let row = try await store.configuration().first(where: { $0.key == "session_timeout" }),
           let seconds = row.value.storedText.flatMap(Double.init), seconds > 0 {
            timeout = seconds
        }
        let now = clock()
        return try await store.deleteIdleSessions(before: Timestamps.database(now.addingTimeInterval(-timeout)), now: now)
    }

    /// Deletes all conversations and rate-limit state; returns the counts before.
    public func clearAll() async throws -> DataCounts {
        let counts = try await store.clearAll(now: clock())
        limiter.reset()
        return counts
    }

    /// The console's conversation list for a caller (an agent sees its site, the operator all);
    /// `query` matches a session id or uid prefix.
    public func conversations(for caller: Caller, query: String?, limit: Int, offset: Int) async throws -> (items: [ConversationSummary], total: Int64) {
        try await store.conversations(siteID: caller.agentSiteID, query: query, limit: limit, offset: offset)
    }

    /// One conversation with statuses, if the caller may see it.
    public func history(for caller: Caller, sessionID: String) async throws -> ConversationHistory {
        guard let history = try await store.conversationHistory(siteID: caller.agentSiteID, sessionID: sessionID) else {
            throw ServiceError(.notFound, "Session not found")
        }
        return history
    }
}

extension JSON {
    /// A stored scalar as text (numbers rendered), or `nil` for NULL and containers.
    public var storedText: String? {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        default: nil
        }
    }
}
