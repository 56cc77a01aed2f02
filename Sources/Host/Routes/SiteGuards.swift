import Foundation
import HTTPTypes
import Hummingbird
import PluginAPI
import PluginDispatch

/// Site resolution, authorizer hooks and message hooks on the request paths.
extension HostEnvironment {
    /// The origin of a request: its `Origin`, else the origin of its `Referer`.
    func requestOrigin(_ headers: HTTPFields) -> String? {
        if let origin = headers[.origin] { return origin }
        guard let referer = headers[.referer], let url = URLComponents(string: referer),
              let scheme = url.scheme, let host = url.host, !host.isEmpty else { return nil }
        return scheme + "://" + host + (url.port.map { ":\($0)" } ?? "")
    }

    /// Runs the authorizer hooks of `site` for a public request.
    func authorizePublic(_ request: Request, _ context: SanctumContext, site: Site) async throws(APIError) {
        try await authorizePublic(head: request.head, clientIP: context.clientIP, site: site)
    }

    /// Runs the authorizer hooks of `site` for a public request (HTTP or a WebSocket upgrade).
    /// Requests from the server's own origin (its `/chat/` and `/widget/demo` pages) are always
    /// allowed. A deny is a JSON error with the plugin's status and code, without CORS headers.
    func authorizePublic(head: HTTPRequest, clientIP: String, site: Site) async throws(APIError) {
        guard plugins.pipeline.hasAuthorizers(for: site.info, enabled: site.plugins) else { return }
        let origin = requestOrigin(head.headerFields)
        if let origin, let authority = head.authority, origin.hasSuffix("://" + authority) { return }
        var headers: [String: String] = [:]
        for field in head.headerFields {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let authRequest = AuthRequest(method: head.method.rawValue, path: head.path ?? "/", headers: headers,
                                      clientIP: clientIP, origin: origin, site: site.info)
        if case .deny(let status, let code, let message) = await plugins.pipeline.authorize(authRequest, enabled: site.plugins) {
            throw APIError(HTTPResponse.Status(code: status), message, details: ["error_code": .string(code)], grantsCORS: false)
        }
    }

    /// Runs validators and transformers of `site` over a message; returns the text to store or
    /// throws the plugin's rejection as a 400 with `error_code` and `localization_key`.
    func prepareMessage(_ kind: MessageKind, text: String, sessionID: String, site: Site,
                        request: Request, context: SanctumContext) async throws(APIError) -> String {
        guard plugins.pipeline.hasMessageHooks(for: kind, enabled: site.plugins) else { return text }
        let draft = MessageDraft(kind: kind, sessionID: sessionID, text: text)
        let hookContext = HookContext(site: site.info, clientIP: context.clientIP, origin: requestOrigin(request.headers))
        switch await plugins.pipeline.prepare(draft, context: hookContext, enabled: site.plugins) {
        case .accept(let prepared):
            return prepared.text
        case .reject(let code, let key, let message, _):
            let status: HTTPResponse.Status = code == HookPipeline.unavailableCode ? .serviceUnavailable : .badRequest
            throw APIError(status, message, details: ["error_code": .string(code), "localization_key": .string(key)])
        }
    }

    /// Hands a committed message to the observers of `site` (never waits for them).
    func observe(_ kind: MessageKind, id: Int64, text: String, sessionID: String, site: Site) {
        plugins.enqueue(StoredMessage(kind: kind, id: id, sessionID: sessionID, text: text, site: site.info, storedAt: clock()),
                        enabled: site.plugins)
    }

    /// A visitor message through the authorizers and message hooks into the store, then to the
    /// observers. Another site's session is `Invalid session`.
    func acceptVisitorMessage(site: Site, sessionID: String, text: String, clientMessageID: String?,
                              request: Request, context: SanctumContext) async throws -> PostedMessage {
        try await authorizePublic(request, context, site: site)
        let stored = try await prepareMessage(.visitor, text: text, sessionID: sessionID, site: site, request: request, context: context)
        let posted: PostedMessage
        do {
            posted = try await store.postMessage(siteID: site.id, sessionID: sessionID, text: stored, clientMessageID: clientMessageID,
                                                 ip: context.clientIP, now: clock())
        } catch is StoreRefusal {
            throw APIError.invalidSession
        }
        if !posted.replayed { observe(.visitor, id: posted.messageID, text: stored, sessionID: sessionID, site: site) }
        return posted
    }

    /// The replies of a session for a public poll; another site's session is `Invalid session`.
    func publicReplies(site: Site, sessionID: String, since: String?, sinceID: Int64?,
                       request: Request, context: SanctumContext) async throws -> [Reply] {
        try await authorizePublic(request, context, site: site)
        do {
            let replies = try await store.replies(siteID: site.id, sessionID: sessionID, since: Validation.cursor(since), sinceID: sinceID,
                                                  ip: context.clientIP, now: clock())
            activity.touch(sessionID)
            return replies
        } catch is StoreRefusal {
            throw APIError.invalidSession
        }
    }

    /// Agent auth: the legacy API key (default site) or a site's agent key; on the dispatcher
    /// also the admin key (default site). The alias runs the original's decorator (`code: 401`).
    func authenticateAgent(_ request: Request, _ context: SanctumContext, _ via: Via) throws(APIError) -> Site {
        guard let key = request.headers.bearerKey else {
            throw APIError(.unauthorized, "Authentication required", includeCode: via == .alias)
        }
        switch caller(forKey: key) {
        case .agent(let site)?: return site
        case .admin? where via == .dispatcher: return sites.defaultSite
        default:
            try throttleFailure(client: context.clientIP)
            throw APIError(.unauthorized, "Invalid API key", includeCode: via == .alias)
        }
    }
}

