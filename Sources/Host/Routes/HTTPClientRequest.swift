import Foundation
import HTTPTypes
import Hummingbird
import PluginAPI
import SanctumServices

/// From HTTP requests to the services' ``ClientRequest``, and the auth steps that read headers.
extension HostEnvironment {
    /// The origin of a request: its `Origin`, else the origin of its `Referer`.
    private static func requestOrigin(_ headers: HTTPFields) -> String? {
        if let origin = headers[.origin] { return origin }
        guard let referer = headers[.referer], let url = URLComponents(string: referer),
              let scheme = url.scheme, let host = url.host, !host.isEmpty else { return nil }
        return scheme + "://" + host + (url.port.map { ":\($0)" } ?? "")
    }

    /// The services' view of a request (HTTP or a WebSocket upgrade); origin and headers are
    /// computed only if an authorizer or a hook asks.
    func clientRequest(head: HTTPRequest, clientIP: String) -> ClientRequest {
        let fields = head.headerFields
        return ClientRequest(clientIP: clientIP, authority: head.authority, method: head.method.rawValue, path: head.path ?? "/",
                             origin: { Self.requestOrigin(fields) },
                             headers: {
                                 var headers: [String: String] = [:]
                                 for field in fields {
                                     let name = field.name.canonicalName
                                     headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
                                 }
                                 return headers
                             })
    }

    /// The services' view of an HTTP request.
    func clientRequest(_ request: Request, _ context: SanctumContext) -> ClientRequest {
        clientRequest(head: request.head, clientIP: context.clientIP)
    }

    /// Runs the authorizer hooks of `site` for a public request.
    func authorizePublic(_ request: Request, _ context: SanctumContext, site: Site) async throws {
        try await services.access.authorizePublic(clientRequest(request, context), site: site)
    }

    /// Agent auth: the legacy API key (default site) or a site's agent key; on the dispatcher
    /// also the admin key (default site). The alias runs the original's decorator (`code: 401`).
    /// A locked-out IP gets 429 whatever key it sends.
    func authenticateAgent(_ request: Request, _ context: SanctumContext, _ via: Via) throws(APIError) -> Site {
        guard let key = request.headers.bearerKey else {
            throw APIError(.unauthorized, "Authentication required", includeCode: via == .alias)
        }
        try admitKeyAttempt(client: context.clientIP)
        switch services.access.caller(forKey: key) {
        case .agent(let site)?: return site
        case .admin? where via == .dispatcher: return sites.defaultSite
        default:
            try throttleFailure(client: context.clientIP)
            throw APIError(.unauthorized, "Invalid API key", includeCode: via == .alias)
        }
    }
}
