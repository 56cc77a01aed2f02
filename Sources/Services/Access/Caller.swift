import Foundation

/// Who is calling: a visitor of a site, an agent of a site, or the operator.
public enum Caller: Sendable {
    /// A visitor (no key), on the site named by its widget key.
    case visitor(Site)
    /// An agent, by the legacy API key (default site) or a site's agent key.
    case agent(Site)
    /// The operator, by the admin key: every site.
    case admin

    /// The event scope of an agent or admin; `nil` for a visitor (who is scoped to a session).
    public var agentScope: EventScope? {
        switch self {
        case .visitor: nil
        case .agent(let site): .site(site.id)
        case .admin: .all
        }
    }

    /// The site an agent is limited to (`nil`: all sites, or a visitor).
    public var agentSiteID: String? {
        if case .agent(let site) = self { return site.id }
        return nil
    }
}

/// What the services need to know about a public request (a visitor's), without any HTTP type.
/// The expensive parts are computed only when an authorizer or a hook asks for them.
public struct ClientRequest: Sendable {
    /// Client IP as the transport resolved it (forwarded headers only from trusted proxies).
    public var clientIP: String
    /// The request's `Host` (for the same-origin rule).
    public var authority: String?
    /// Request method, for authorizers.
    public var method: String
    /// Request path, for authorizers.
    public var path: String
    /// The `Origin`, else the origin of the `Referer`.
    public var origin: @Sendable () -> String?
    /// Header fields by canonical name, repeated fields joined with `, `.
    public var headers: @Sendable () -> [String: String]

    /// A request from `clientIP`; the closures are called at most when a rule needs them.
    public init(clientIP: String, authority: String? = nil, method: String = "GET", path: String = "/",
                origin: @escaping @Sendable () -> String? = { nil }, headers: @escaping @Sendable () -> [String: String] = { [:] }) {
        self.clientIP = clientIP
        self.authority = authority
        self.method = method
        self.path = path
        self.origin = origin
        self.headers = headers
    }
}
