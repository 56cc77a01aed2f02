import Foundation
import SanctumServices
import HTTPTypes
import Hummingbird

/// Real-time actions on the bridge API (docs/realtime.md): typing, read, events (long-poll),
/// ack, and the console's conversations and history.
extension HostEnvironment {
    /// POST `typing`: `{session_id, active, widget_key?}`; the visitor without a key, an agent with one.
    @Sendable func typing(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try rateLimit(.typing, client: context.clientIP)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .missingFields)
        let sessionID = try validSessionID(body)
        guard case .bool(let active)? = body["active"] else { throw APIError(.badRequest, "Invalid active: must be true or false") }
        let caller = try caller(request, context, widgetKey: body["widget_key"]?.stringValue)
        let target = try await actingSession(caller, sessionID: sessionID) { body[$0]?.proofText }
        try await services.conversations.typing(caller, sessionID: target, active: active, request: clientRequest(request, context))
        return envelope(.object([:]))
    }

    /// POST `read`: `{session_id, up_to, widget_key?}` — the visitor read replies up to a
    /// `response_id`, an agent read visitor messages up to a `message_id`.
    @Sendable func read(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try rateLimit(.typing, client: context.clientIP)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .missingFields)
        let sessionID = try validSessionID(body)
        guard let upTo = body["up_to"]?.integerValue, upTo >= 0 else { throw APIError(.badRequest, "Invalid up_to: must be a non-negative integer") }
        let caller = try caller(request, context, widgetKey: body["widget_key"]?.stringValue)
        let target = try await actingSession(caller, sessionID: sessionID) { body[$0]?.proofText }
        try await services.conversations.read(caller, sessionID: target, upTo: upTo, request: clientRequest(request, context))
        return envelope(.object([:]))
    }

    /// GET `events`: the long-poll twin of the stream.
    @Sendable func events(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let query = Query(request.uri.query)
        let caller = try caller(request, context, widgetKey: query["widget_key"])
        try rateLimit(caller.agentScope == nil ? .responses : .inbox, client: context.clientIP)
        let named = PythonText.strip(query["session_id"] ?? "")
        var followed = named
        if BridgeRules.isValidSessionID(named) { followed = try await actingSession(caller, sessionID: named) { query[$0] } }
        let scope = try await services.events.scope(for: caller, sessionID: followed, request: clientRequest(request, context))
        let presented = caller.agentScope == nil ? named : nil
        let cursor = max(0, try integer(query, "last_event_id", default: 0))
        let wait = min(max(try integer(query, "wait", default: 25), 0), AgentDeliveryService.maxWait)
        let page = try await metrics.waiting(when: wait > 0) { try await services.events.page(scope: scope, after: cursor, wait: wait) }
        return envelope(["events": .array(page.events.map { $0.seen(as: presented).json }), "last_event_id": .int(page.lastEventID),
                         "reset": .bool(page.reset)])
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
            guard let id = value.integerValue else { throw APIError(.badRequest, "Invalid message_ids: must be an array of at most 1000 integers") }
            return id
        }
        let count = try await services.delivery.acknowledge(site: site, messageIDs: ids)
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
        let lastEventID = try await services.events.newestEventID()
        let (items, total) = try await services.administration.conversations(for: caller, query: search, limit: limit, offset: offset)
        let identities = try await identityJSON(of: items.map(\.sessionID))
        let list: [JSON] = items.map { item in
            var fields: [String: JSON] = ["session_id": .string(item.sessionID), "uid": .optional(item.uid), "site_id": .string(item.siteID),
             "last_active": .optional(item.lastActive), "unread": .int(item.unread),
             "message_count": .int(item.messageCount), "response_count": .int(item.responseCount),
             "last_message": item.lastMessage.map { ["type": .string($0.type), "text": .string($0.text), "timestamp": .string($0.timestamp)] } ?? .null]
            fields["identity"] = identities[item.sessionID]
            return .object(fields)
        }
        return envelope(["conversations": .array(list), "pagination": paginationJSON(total: total, limit: limit, offset: offset),
                         "last_event_id": .int(lastEventID)])
    }

    /// GET `history` (agent or admin key): one conversation with statuses.
    @Sendable func history(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let caller = try requireAgentOrAdmin(request, context)
        let sessionID = PythonText.strip(Query(request.uri.query)["session_id"] ?? "")
        guard !sessionID.isEmpty else { throw APIError.missingSessionID }
        let history = try await services.administration.history(for: caller, sessionID: sessionID)
        let items: [JSON] = history.items.map {
            .sorted([("type", .string($0.type)), ("id", .int($0.id)), ("text", .string($0.text)), ("timestamp", .string($0.timestamp)),
                     ("status", .string($0.status))] + JSON.metadataField($0.metadata))
        }
        var fields: [String: JSON] = ["session_id": .string(history.sessionID), "uid": .optional(history.uid), "site_id": .string(history.siteID),
                         "items": .array(items), "agent_read_up_to": .int(history.agentReadUpTo),
                         "visitor_read_up_to": .int(history.visitorReadUpTo), "last_event_id": .int(history.lastEventID)]
        fields["identity"] = try await identityJSON(of: [history.sessionID])[history.sessionID]
        return envelope(.object(fields))
    }

    /// GET `stream` without a WebSocket upgrade.
    @Sendable func streamWithoutUpgrade(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        throw APIError(HTTPResponse.Status(code: 426), "WebSocket upgrade required (or use ?action=events)")
    }

    // MARK: - Helpers

    private func validSessionID(_ body: [String: JSON]) throws(APIError) -> String {
        let sessionID = PythonText.strip(try body.string("session_id", wrongType: .invalidSessionID))
        guard !sessionID.isEmpty else { throw APIError.missingFields }
        guard BridgeRules.isValidSessionID(sessionID) else { throw APIError.invalidSessionID }
        return sessionID
    }

    private func requireAgentOrAdmin(_ request: Request, _ context: SanctumContext) throws(APIError) -> Caller {
        guard request.headers[.authorization] != nil else { throw APIError(.unauthorized, "Authentication required") }
        return try caller(request, context, widgetKey: nil)
    }
}

extension JSON {
    /// A JSON number with an integral value in `Int64` range (`5` or `5.0`: JSON and JSON Schema
    /// do not tell them apart), else `nil`. Integers beyond `Int64` parse as doubles and stay
    /// refused (the bounds are exclusive: -2⁶³ itself parses as an integer).
    var integerValue: Int64? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded() == d && d > -9.223372036854775808e18 && d < 9.223372036854775808e18: Int64(d)
        default: nil
        }
    }
}
