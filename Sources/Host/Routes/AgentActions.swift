import Foundation
import Hummingbird

/// The agent actions: `inbox` and `outbox` (BRIDGE-API.md §2.4, §2.5).
extension HostEnvironment {
    /// GET `inbox`: undelivered visitor messages, marked delivered atomically (at-most-once).
    @Sendable func inbox(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let site = try authenticateAgent(request, context, via)
        try rateLimit(.inbox, client: "site:" + site.id)
        let query = Query(request.uri.query)
        let (limit, offset) = try pagination(query)
        let since = Validation.cursor(query["since"])
        let wait = query["wait"] == nil ? 0 : min(max(try integer(query, "wait", default: 0), 0), Self.maxWait)
        let lease: TimeInterval? = query["lease"] == nil ? nil : TimeInterval(min(max(try integer(query, "lease", default: 60), 1), 3600))
        var page = try await store.takeInbox(siteID: site.id, limit: limit, offset: offset, since: since, lease: lease, now: clock())
        if page.messages.isEmpty, wait > 0 {
            // Long-poll: wake on the site's next visitor message (one committed since the take counts too).
            let (store, now) = (self.store, clock())
            if try await bus.wait(in: .site(site.id), timeout: .seconds(wait), matching: { $0.type == "message" }, afterSubscribing: {
                try await store.pendingCount(siteID: site.id, since: since, now: now) > 0
            }) {
                page = try await store.takeInbox(siteID: site.id, limit: limit, offset: offset, since: since, lease: lease, now: clock())
            }
        }
        let messages: [JSON] = page.messages.map {
            ["id": .int($0.id), "session_id": .string($0.sessionID), "message": .string($0.message),
             "timestamp": .string($0.timestamp), "uid": .optional($0.uid)]
        }
        var data: [String: JSON] = ["messages": .array(messages), "pagination": paginationJSON(total: page.total, limit: limit, offset: offset)]
        if let lease {
            data["lease"] = ["seconds": .int(Int64(lease)), "until": .string(Timestamps.iso(clock().addingTimeInterval(lease)))]
        }
        return envelope(.object(data))
    }

    /// POST `outbox`: an agent reply to any session that has ever existed.
    @Sendable func outbox(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let site = try authenticateAgent(request, context, via)
        try rateLimit(.outbox, client: "site:" + site.id)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .missingFields)
        let sessionID = PythonText.strip(try body.string("session_id", wrongType: .invalidSessionID))
        let text = PythonText.strip(try body.string("response", wrongType: APIError(.badRequest, "Invalid response")))
        guard !sessionID.isEmpty, !text.isEmpty else { throw APIError.missingFields }
        guard Validation.isValidSessionID(sessionID) else { throw APIError.invalidSessionID }
        guard PythonText.length(text) <= settings.maxReplyLength else {
            throw APIError(.badRequest, "Invalid response: longer than \(settings.maxReplyLength) characters")
        }
        let messageID: SQLValue
        switch body["message_id"] {
        case let value? where !value.isTruthy: messageID = .null
        case nil: messageID = .null
        case .int(let i)?: messageID = .int(i)
        case .double(let d)?: messageID = .double(d)
        case .string(let s)?: messageID = .text(s)
        case .bool?: messageID = .int(1)
        default: throw APIError(.badRequest, "Invalid message_id")
        }
        var clientResponseID: String?
        if let raw = body["client_response_id"], raw != .null {
            guard let id = raw.stringValue, Validation.isValidClientMessageID(id) else {
                throw APIError(.badRequest, "Invalid client_response_id")
            }
            clientResponseID = id
        }
        let stored = try await prepareMessage(.agent, text: text, sessionID: sessionID, site: site, request: request, context: context)
        let (id, replayed): (Int64, Bool)
        do {
            (id, replayed) = try await store.postReply(siteID: site.id, sessionID: sessionID, text: stored, messageID: messageID,
                                           clientResponseID: clientResponseID, now: clock())
        } catch is StoreRefusal {
            throw APIError.invalidSession
        }
        if !replayed { observe(.agent, id: id, text: stored, sessionID: sessionID, site: site) }
        return envelope(["response_id": .int(id), "session_id": .string(sessionID),
                         "timestamp": body["timestamp"] ?? .string(Timestamps.iso(clock()))])
    }

}
