import Foundation
import PluginAPI

/// Who may do what: keys to callers, the failure throttle, rate limits, and the authorizer
/// plugins of a site for visitors' requests.
public struct AccessControl: Sendable {
    let keys: KeyStore
    let sites: SiteDirectory
    let limiter: RateLimiter
    let plugins: PluginRuntime
    let store: any ChatStore

    /// Access rules over these keys, sites, budgets and plugins.
    /// Requests the rate limiter refused since start (metrics).
    public var rateLimitRefusals: Int { limiter.refusals }

    public init(keys: KeyStore, sites: SiteDirectory, limiter: RateLimiter, plugins: PluginRuntime, store: any ChatStore) {
        self.keys = keys
        self.sites = sites
        self.limiter = limiter
        self.plugins = plugins
        self.store = store
    }

    /// The caller behind a bearer key, or `nil` for an unknown key (compared in constant time).
    public func caller(forKey key: String) -> Caller? {
        if keys.verify(key, as: .api) { return .agent(sites.defaultSite) }
        if let site = sites.site(agentKey: key) { return .agent(site) }
        if keys.verify(key, as: .admin) { return .admin }
        return nil
    }

    /// Whether `key` is the legacy key of `kind` (the bridge's admin and api keys).
    public func isKey(_ key: String, _ kind: KeyKind) -> Bool { keys.verify(key, as: kind) }

    /// Lets a key attempt from `client` be checked, or refuses it (429) while the client's
    /// failure budget is spent: then every key it sends, right or wrong, is refused unchecked
    /// until the budget refills, so keys cannot be guessed faster than the budget allows (20 at
    /// once, then one per 5 s). Other clients are not affected: the right key from another IP
    /// keeps working while one IP is locked out. Call it before comparing any key.
    public func admitKeyAttempt(client: String) throws(ServiceError) {
        if let retry = limiter.check(.authFailures, client: client) { throw .rateLimited(retryAfter: retry) }
    }

    /// Counts a wrong key from `client`; the one that spends the budget is refused with a 429
    /// instead of a 401, and ``admitKeyAttempt(client:)`` refuses what follows.
    public func throttleFailure(client: String) throws(ServiceError) {
        if let retry = limiter.acquire(.authFailures, client: client) { throw .rateLimited(retryAfter: retry) }
    }

    /// The clients whose key attempts are refused now (the console's lockout list).
    public func keyLockouts() -> [KeyLockout] {
        limiter.spent(.authFailures).map {
            KeyLockout(clientIP: $0.client, failures: $0.taken, refused: $0.refused, until: Date(timeIntervalSince1970: $0.until))
        }
    }

    /// Takes a token of `endpoint` for `client`, or throws a 429 refusal.
    public func rateLimit(_ endpoint: RateLimitedEndpoint, client: String) throws(ServiceError) {
        if let retry = limiter.acquire(endpoint, client: client) { throw .rateLimited(retryAfter: retry) }
    }

    /// The site of a widget key (the default site for none or an unknown key).
    public func site(widgetKey: String?) -> Site { sites.site(widgetKey: widgetKey) }

    /// Runs the authorizer hooks of `site` for a visitor's request. Requests from the server's
    /// own origin (its `/chat/` and `/widget/demo` pages) are always allowed. A deny carries the
    /// plugin's status and code, and no CORS grant.
    public func authorizePublic(_ request: ClientRequest, site: Site) async throws(ServiceError) {
        guard plugins.pipeline.hasAuthorizers(for: site.info, enabled: site.plugins) else { return }
        let origin = request.origin()
        if let origin, let authority = request.authority, Self.isSameOrigin(origin, authority: authority) { return }
        let authRequest = AuthRequest(method: request.method, path: request.path, headers: request.headers(),
                                      clientIP: request.clientIP, origin: origin, site: site.info)
        if case .deny(let status, let code, let message) = await plugins.pipeline.authorize(authRequest, enabled: site.plugins) {
            throw ServiceError(.refused(status: status), message, details: ["error_code": .string(code)], grantsCORS: false)
        }
    }

    /// Whether `origin` is this server itself: exactly `http://` or `https://` followed by the
    /// request's `Host` (no suffix match: `https://evil.example://chat.example.com` is not it).
    public static func isSameOrigin(_ origin: String, authority: String) -> Bool {
        !authority.isEmpty && (origin == "https://" + authority || origin == "http://" + authority)
    }

    /// The site whose session an agent or the operator acts on; another site's session (or
    /// one that does not exist) is `Invalid session`.
    public func agentSite(for caller: Caller, sessionID: String) async throws -> Site {
        guard let owner = try await store.siteOfSession(sessionID) else { throw ServiceError.invalidSession }
        switch caller {
        case .agent(let site) where site.id == owner: return site
        case .admin: return sites.site(id: owner) ?? sites.defaultSite
        default: throw ServiceError.invalidSession
        }
    }
}
