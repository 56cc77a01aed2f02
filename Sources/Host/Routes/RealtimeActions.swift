import Foundation
import HTTPTypes
import Hummingbird

/// Real-time actions on the bridge API (docs/realtime.md): typing, read, events (long-poll),
/// ack, and the console's conversations and history.
extension HostEnvironment {
    /// Longest `wait` of a long-poll, in seconds.
    static let maxWait: Int64 = 30
    /// Most events in one `events` answer.
    static let eventsPageSize = 500

    /// POST `typing`: `{session_id, active, widget_key?}`; the visitor without a key, an agent with one.
    @Sendable func typing(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try rateLimit(.typing, client: context.clientIP)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .missingFields)
        let sessionID = try validSessionID(body)
        guard case .bool(let active)? = body["active"] else { throw APIError(.badRequest, "Invalid active: must be true or false") }
        let caller = try caller(request, context, widgetKey: body["widget_key"]?.stringValue)
        try await act(caller, sessionID: sessionID, request: request, context: context) { site, party in
            try await self.store.recordTyping(siteID: site.id, sessionID: sessionID, from: party, active: active, now: self.clock())
        }
        return envelope(.object([:]))
    }

    /// POST `read`: `{session_id, up_to, widget_key?}` — the visitor read replies up to a
    /// `response_id`, an agent read visitor messages up to a `message_id`.
    @Sendable func read(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try rateLimit(.typing, client: context.clientIP)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .missingFields)
        let sessionID = try validSessionID(body)
        guard case .int(let upTo)? = body["up_to"], upTo >= 0 else { throw APIError(.badRequest, "Invalid up_to: must be a non-negative integer") }
        let caller = try caller(request, context, widgetKey: body["widget_key"]?.stringValue)
        try await act(caller, sessionID: sessionID, request: request, context: context) { site, party in
            try await self.store.markRead(siteID: site.id, sessionID: sessionID, by: party, upTo: upTo, now: self.clock())
        }
        return envelope(.object([:]))
    }

    /// GET `events`: the long-poll twin of the stream.
    @Sendable func events(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let query = Query(request.uri.query)
        let caller = try caller(request, context, widgetKey: query["widget_key"])
        try rateLimit(caller.agentScope == nil ? .responses : .inbox, client: context.clientIP)
        let scope: EventScope
        if let agentScope = caller.agentScope {
            scope = agentScope
        } else {
            guard case .visitor(let site) = caller else { throw APIError.internalError }
            let sessionID = PythonText.strip(query["session_id"] ?? "")
            guard !sessionID.isEmpty else { throw APIError.missingSessionID }
            guard Validation.isValidSessionID(sessionID) else { throw APIError.invalidSessionID }
            try await authorizePublic(request, context, site: site)
            if let owner = try await store.siteOfSession(sessionID), owner != site.id { throw APIError.invalidSession }
            scope = .session(sessionID)
        }
        let cursor = max(0, try integer(query, "last_event_id", default: 0))
        let wait = min(max(try integer(query, "wait", default: 25), 0), Self.maxWait)
        let range = try await store.eventRange()
        if cursor > 0, cursor < range.purgedBelow - 1 {
            return envelope(["events": [], "last_event_id": .int(range.newest), "reset": true])
        }
        var page = try await store.events(in: scope, after: cursor, limit: Self.eventsPageSize)
        if page.isEmpty, wait > 0 {
            let store = self.store
            if try await bus.wait(in: scope, timeout: .seconds(wait), afterSubscribing: {
                !(try await store.events(in: scope, after: cursor, limit: 1)).isEmpty
            }) {
                page = try await store.events(in: scope, after: cursor, limit: Self.eventsPageSize)
            }
        }
        return envelope(["events": .array(page.map(\.json)), "last_event_id": .int(page.last?.id ?? cursor), "reset": false])
    }

    /// POST `ack`: `{message_ids: [...]}` with an agent key: leased messages never come back.
    @Sendable func ack(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let site = try authenticateAgent(request, context, via)
        try rateLimit(.inbox, client: "site:" + site.id)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .missingFields)
        guard case .array(let raw)? = body["message_ids"], raw.count <= 1000 else {
            throw APIError(.badRequest, "Invalid message_ids: must be an array of at most 1000 integers")
        }
        let ids = try raw.map { value throws(APIError) -> Int64 in
            guard case .int(let id) = value else { throw APIError(.badRequest, "Invalid message_ids: must be an array of at most 1000 integers") }
            return id
        }
        let count = try await store.acknowledge(siteID: site.id, messageIDs: ids, now: clock())
        return envelope(["acknowledged": .int(Int64(count))])
    }

    /// GET `conversations` (agent or admin key): the console's list.
    @Sendable func conversations(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let caller = try requireAgentOrAdmin(request, context)
        try rateLimit(.sessions, client: "site:" + (caller.agentSiteID ?? "*"))
        let query = Query(request.uri.query)
        let (limit, offset) = try pagination(query)
        let search = query["q"].map(PythonText.strip).flatMap { $0.isEmpty ? nil : $0 }
        // Taken before the list: a console that resumes the stream from here misses nothing.
        let lastEventID = try await store.eventRange().newest
        let (items, total) = try await store.conversations(siteID: caller.agentSiteID, query: search, limit: limit, offset: offset)
        let list: [JSON] = items.map { item in
            ["session_id": .string(item.sessionID), "uid": .optional(item.uid), "site_id": .string(item.siteID),
             "last_active": .optional(item.lastActive), "unread": .int(item.unread),
             "message_count": .int(item.messageCount), "response_count": .int(item.responseCount),
             "last_message": item.lastMessage.map { ["type": .string($0.type), "text": .string($0.text), "timestamp": .string($0.timestamp)] } ?? .null]
        }
        return envelope(["conversations": .array(list), "pagination": paginationJSON(total: total, limit: limit, offset: offset),
                         "last_event_id": .int(lastEventID)])
    }

    /// GET `history` (agent or admin key): one conversation with statuses.
    @Sendable func history(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let caller = try requireAgentOrAdmin(request, context)
        let sessionID = PythonText.strip(Query(request.uri.query)["session_id"] ?? "")
        guard !sessionID.isEmpty else { throw APIError.missingSessionID }
        guard let history = try await store.conversationHistory(siteID: caller.agentSiteID, sessionID: sessionID) else {
            throw APIError(.notFound, "Session not found")
        }
        let items: [JSON] = history.items.map {
            ["type": .string($0.type), "id": .int($0.id), "text": .string($0.text), "timestamp": .string($0.timestamp), "status": .string($0.status)]
        }
        return envelope(["session_id": .string(history.sessionID), "uid": .optional(history.uid), "site_id": .string(history.siteID),
                         "items": .array(items), "agent_read_up_to": .int(history.agentReadUpTo),
                         "visitor_read_up_to": .int(history.visitorReadUpTo), "last_event_id": .int(history.lastEventID)])
    }

    /// GET `stream` without a WebSocket upgrade.
    @Sendable func streamWithoutUpgrade(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        throw APIError(HTTPResponse.Status(code: 426), "WebSocket upgrade required (or use ?action=events)")
    }

    // MARK: - Helpers

    private func validSessionID(_ body: [String: JSON]) throws(APIError) -> String {
        let sessionID = PythonText.strip(try body.string("session_id", wrongType: .invalidSessionID))
        guard !sessionID.isEmpty else { throw APIError.missingFields }
        guard Validation.isValidSessionID(sessionID) else { throw APIError.invalidSessionID }
        return sessionID
    }

    /// Runs `change` for the visitor (after the origin check) or for an agent on its own site.
    private func act(_ caller: Caller, sessionID: String, request: Request, context: SanctumContext,
                     _ change: (Site, Party) async throws -> Void) async throws {
        do {
            switch caller {
            case .visitor(let site):
                try await authorizePublic(request, context, site: site)
                try await change(site, .visitor)
            case .agent, .admin:
                try await change(try await agentSite(for: caller, sessionID: sessionID), .agent)
            }
        } catch is StoreRefusal {
            throw APIError.invalidSession
        }
    }

    private func requireAgentOrAdmin(_ request: Request, _ context: SanctumContext) throws(APIError) -> Caller {
        guard request.headers[.authorization] != nil else { throw APIError(.unauthorized, "Authentication required") }
        return try caller(request, context, widgetKey: nil)
    }
}
