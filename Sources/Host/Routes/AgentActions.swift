import Foundation
import SanctumServices
import Hummingbird

/// The agent actions: `inbox` and `outbox` (BRIDGE-API.md §2.4, §2.5).
extension HostEnvironment {
    /// GET `inbox`: undelivered visitor messages, marked delivered atomically (at-most-once).
    @Sendable func inbox(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let site = try authenticateAgent(request, context, via)
        try rateLimit(.inbox, client: "site:" + site.id)
        let query = Query(request.uri.query)
        let (limit, offset) = try pagination(query)
        let since = BridgeRules.cursor(query["since"])
        let wait = query["wait"] == nil ? 0 : min(max(try integer(query, "wait", default: 0), 0), AgentDeliveryService.maxWait)
        let lease: TimeInterval? = query["lease"] == nil ? nil : TimeInterval(min(max(try integer(query, "lease", default: 60), 1), 3600))
        let page = try await metrics.waiting(when: wait > 0) {
            try await services.delivery.takeInbox(site: site, limit: limit, offset: offset, since: since, wait: wait, lease: lease)
        }
        // `identity` only for a verified user's conversation: other messages stay byte-identical.
        let identities = if let known = page.identities { known.mapValues(\.json) } else { try await identityJSON(of: page.messages.map(\.sessionID)) }
        let messages: [JSON] = page.messages.map { message in
            var fields: [(String, JSON)] = [("id", .int(message.id)), ("session_id", .string(message.sessionID)), ("message", .string(message.message)),
                                            ("timestamp", .string(message.timestamp)), ("uid", .optional(message.uid))]
            fields += JSON.metadataField(message.metadata)
            if let identity = identities[message.sessionID] { fields.append(("identity", identity)) }
            return .sorted(fields)
        }
        var data: [String: JSON] = ["messages": .array(messages), "pagination": paginationJSON(total: page.total, limit: limit, offset: offset)]
        if let lease {
            data["lease"] = ["seconds": .int(Int64(lease)), "until": .string(Timestamps.iso(services.delivery.leaseEnd(lease)))]
        }
        return envelope(.object(data))
    }

    /// POST `outbox`: an agent reply to any session that has ever existed. Optional `metadata`
    /// carries hints for the plugins' hooks (never stored), as for `messages`.
    @Sendable func outbox(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        let site = try authenticateAgent(request, context, via)
        try rateLimit(.outbox, client: "site:" + site.id)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .missingFields)
        let sessionID = PythonText.strip(try body.string("session_id", wrongType: .invalidSessionID))
        let text = PythonText.strip(try body.string("response", wrongType: APIError(.badRequest, "Invalid response")))
        guard !sessionID.isEmpty, !text.isEmpty else { throw APIError.missingFields }
        guard BridgeRules.isValidSessionID(sessionID) else { throw APIError.invalidSessionID }
        guard PythonText.length(text) <= settings.maxReplyLength else {
            throw APIError(.badRequest, "Invalid response: longer than \(settings.maxReplyLength) characters")
        }
        let messageID: JSON
        do { messageID = try ConversationService.replyMessageID(body["message_id"]) } catch { throw APIError(error) }
        var clientResponseID: String?
        if let raw = body["client_response_id"], raw != .null {
            guard let id = raw.stringValue, BridgeRules.isValidClientMessageID(id) else {
                throw APIError(.badRequest, "Invalid client_response_id")
            }
            clientResponseID = id
        }
        let hints = try clientMetadata(body)
        let (id, _) = try await services.conversations.postAgentReply(
            site: site, sessionID: sessionID, text: text, messageID: messageID, clientResponseID: clientResponseID,
            clientMetadata: hints, request: clientRequest(request, context))
        return envelope(["response_id": .int(id), "session_id": .string(sessionID),
                         "timestamp": body["timestamp"] ?? .string(Timestamps.iso(clock()))])
    }

}
