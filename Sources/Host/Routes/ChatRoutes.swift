import Foundation
import SanctumServices
import Hummingbird

/// `/chat/`: the original's public chat page, its two helper endpoints and the legacy
/// `WebChatBridge` script (BRIDGE-API.md §4.1). The helpers now validate and rate-limit like
/// `messages` (§7 item 7) while accepting the legacy page's own session ids.
extension HostEnvironment {
    func addChatRoutes(to routes: inout RouteTable) {
        routes.add("/chat/", [.get]) { request, _ in try self.sitePage("chat.html", request) }
        routes.addPrefix("/site/", [.get]) { request, _ in
            let path = String(request.uri.path.dropFirst("/site/".count))
            guard path.hasSuffix(".js") || path.hasSuffix(".css") else { throw APIError.notFound }
            return try self.siteFile(path, request)
        }
        routes.add("/chat/widget.js", [.get]) { request, _ in try self.siteFile("legacy-widget.js", request) }
        routes.add("/chat/api/send_message", [.post]) { request, context in try await self.chatSend(request, context) }
        routes.add("/chat/api/get_responses", [.get]) { request, context in try await self.chatResponses(request, context) }
    }

    /// Session ids of the legacy chat page and script: any printable ASCII without spaces, ≤ 64.
    private func isLegacySessionID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    private func chatSend(_ request: Request, _ context: SanctumContext) async throws -> Response {
        try rateLimit(.messages, client: context.clientIP)
        var request = request
        let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .invalidJSON)
        let sessionID = try body.string("session_id", wrongType: .invalidSessionID)
        let text = try body.string("message", wrongType: .invalidMessage)
        guard !sessionID.isEmpty, !text.isEmpty else { throw APIError.missingFields }
        guard isLegacySessionID(sessionID) else { throw APIError.invalidSessionID }
        guard PythonText.length(text) <= BridgeRules.maxMessageLength else { throw APIError.invalidMessage }
        let posted = try await services.conversations.postVisitorMessage(site: sites.defaultSite, sessionID: sessionID, text: text,
                                                                         clientMessageID: nil, request: clientRequest(request, context))
        return envelope(["message_id": .int(posted.messageID), "session_id": .string(sessionID), "uid": .string(posted.uid)], timestamp: false)
    }

    private func chatResponses(_ request: Request, _ context: SanctumContext) async throws -> Response {
        try rateLimit(.responses, client: context.clientIP)
        let query = Query(request.uri.query)
        guard let sessionID = query["session_id"], !sessionID.isEmpty else { throw APIError.missingSessionID }
        guard isLegacySessionID(sessionID) else { throw APIError.invalidSessionID }
        let replies = try await services.conversations.replies(site: sites.defaultSite, sessionID: sessionID, since: query["since"], sinceID: nil,
                                                               request: clientRequest(request, context))
        return envelope(["session_id": .string(sessionID), "responses": .array(replies.map(\.json))], timestamp: false)
    }

    func sitePage(_ path: String, _ request: Request) throws -> Response {
        guard let response = site.response(path, for: request, cacheControl: "no-cache",
                                           extraHeaders: Self.pageHeaders) else { throw APIError.notFound }
        return response
    }

    func siteFile(_ path: String, _ request: Request) throws -> Response {
        guard let response = site.response(path, for: request, cacheControl: Self.shortCache) else { throw APIError.notFound }
        return response
    }
}
