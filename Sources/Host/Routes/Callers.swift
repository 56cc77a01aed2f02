import Foundation
import HTTPTypes
import Hummingbird

/// Who is calling a real-time or console endpoint.
enum Caller: Sendable {
    /// A visitor (no key), on the site named by `widget_key`.
    case visitor(Site)
    /// An agent, by the legacy API key (default site) or a site's agent key.
    case agent(Site)
    /// The operator, by the admin key: every site.
    case admin

    /// The event scope of an agent or admin; `nil` for a visitor (who is scoped to a session).
    var agentScope: EventScope? {
        switch self {
        case .visitor: nil
        case .agent(let site): .site(site.id)
        case .admin: .all
        }
    }

    /// The site an agent is limited to (`nil`: all sites, or a visitor).
    var agentSiteID: String? {
        if case .agent(let site) = self { return site.id }
        return nil
    }
}

extension HostEnvironment {
    /// The caller behind a bearer key, or `nil` for an unknown key.
    func caller(forKey key: String) -> Caller? {
        if keys.verify(key, as: .api) { return .agent(sites.defaultSite) }
        if let site = sites.site(agentKey: key) { return .agent(site) }
        if keys.verify(key, as: .admin) { return .admin }
        return nil
    }

    /// The caller of an HTTP request: an `Authorization` header must hold a valid key (401 and
    /// the failure throttle otherwise); without one it is a visitor of the `widgetKey` site.
    func caller(_ request: Request, _ context: SanctumContext, widgetKey: String?) throws(APIError) -> Caller {
        guard request.headers[.authorization] != nil else { return .visitor(sites.site(widgetKey: widgetKey)) }
        guard let key = request.headers.bearerKey else { throw APIError(.unauthorized, "Authentication required") }
        if let caller = caller(forKey: key) { return caller }
        try throttleFailure(client: context.clientIP)
        throw APIError(.unauthorized, "Invalid API key")
    }

    /// The site whose session an agent or admin acts on; refuses other sites' sessions.
    func agentSite(for caller: Caller, sessionID: String) async throws -> Site {
        guard let owner = try await store.siteOfSession(sessionID) else { throw APIError.invalidSession }
        switch caller {
        case .agent(let site) where site.id == owner: return site
        case .admin: return sites.site(id: owner) ?? sites.defaultSite
        default: throw APIError.invalidSession
        }
    }
}
