import Foundation
import SanctumServices
import Hummingbird

/// The public visitor actions: `messages` and `responses` (BRIDGE-API.md §2.3, §2.6).
extension HostEnvironment {
    /// POST `messages`: a visitor message. Optional `client_message_id` makes retries idempotent;
    /// optional `metadata` carries hints for the plugins' hooks (never stored).
    @Sendable func postMessage(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try rateLimit(.messages, client: context.clientIP)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .invalidJSON)
        let sessionID = PythonText.strip(try body.string("session_id", wrongType: .invalidSessionID))
        let text = PythonText.strip(try body.string("message", wrongType: .invalidMessage))
        guard !sessionID.isEmpty, !text.isEmpty else { throw APIError.missingFields }
        guard BridgeRules.isValidSessionID(sessionID) else { throw APIError.invalidSessionID }
        guard PythonText.length(text) <= BridgeRules.maxMessageLength else { throw APIError.invalidMessage }
        var clientMessageID: String?
        if let raw = body["client_message_id"], raw != .null {
            guard let id = raw.stringValue, BridgeRules.isValidClientMessageID(id) else {
                throw APIError(.badRequest, "Invalid client_message_id")
            }
            clientMessageID = id
        }
        let hints = try clientMetadata(body)
        try checkProofTypes(body)
        let site = try visitorSite(widgetKey: body["widget_key"]?.stringValue)
        let conversation = try await visitorConversation(site: site, sessionID: sessionID) { body[$0]?.proofText }
        let posted = try await services.conversations.postVisitorMessage(
            site: site, sessionID: conversation.sessionID, text: text, clientMessageID: clientMessageID,
            clientMetadata: hints, request: clientRequest(request, context))
        return envelope([
            "message_id": .int(posted.messageID),
            "session_id": .string(sessionID),
            "timestamp": body["timestamp"] ?? .string(Timestamps.iso(clock())),
            "uid": .string(posted.uid),
            "is_new_user": .bool(posted.isNewUser),
        ])
    }

    /// GET `responses`: the agent replies of a session, after `since` (time) and `since_id`.
    @Sendable func replies(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try rateLimit(.responses, client: context.clientIP)
        let query = Query(request.uri.query)
        let sessionID = PythonText.strip(query["session_id"] ?? "")
        guard !sessionID.isEmpty else { throw APIError.missingSessionID }
        guard BridgeRules.isValidSessionID(sessionID) else { throw APIError.invalidSessionID }
        let sinceID: Int64? = (query["since_id"] ?? "").isEmpty ? nil : try integer(query, "since_id", default: 0)
        let site = try visitorSite(widgetKey: query["widget_key"])
        let conversation = try await visitorConversation(site: site, sessionID: sessionID) { query[$0] }
        let replies = try await services.conversations.replies(site: site, sessionID: conversation.sessionID,
                                                               since: query["since"], sinceID: sinceID, request: clientRequest(request, context))
        return envelope(.fields([("responses", .array(replies.map(\.json))), ("session_id", .string(sessionID))]))
    }
}

extension Reply {
    /// `{id, response, timestamp, message_id}`, plus `metadata` when the reply has some.
    var json: JSON {
        .fields([("id", .int(id)), ("message_id", messageID)] + JSON.metadataField(metadata)
                + [("response", .string(response)), ("timestamp", .string(timestamp))])
    }
}
