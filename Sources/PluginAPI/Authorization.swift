import Foundation

/// The parts of an HTTP request an authorizer may look at.
public struct AuthRequest: Sendable, Equatable {
    /// The HTTP method, uppercase (`GET`, `POST`, …).
    public var method: String
    /// The request path without the query.
    public var path: String
    /// Header names lowercased; repeated headers joined with `, `.
    public var headers: [String: String]
    /// Client IP as the host resolved it (trusted proxies applied).
    public var clientIP: String?
    /// The request's `Origin`, or the origin (`scheme://host[:port]`) of its `Referer`.
    public var origin: String?
    /// The site the request is for.
    public var site: SiteInfo

    /// A request as the host describes it to authorizers (tests build their own).
    public init(method: String, path: String, headers: [String: String] = [:], clientIP: String? = nil,
                origin: String? = nil, site: SiteInfo) {
        self.method = method
        self.path = path
        self.headers = headers
        self.clientIP = clientIP
        self.origin = origin
        self.site = site
    }
}

/// An authorizer's decision.
///
/// Authorizers must answer quickly (they run on every public request) and must not return
/// `deny` for sites they have no opinion about: ``abstain``.
public enum AuthVerdict: Sendable, Equatable {
    /// Let the request through (other authorizers still run; any deny wins).
    case allow
    /// Refuse with this HTTP status, stable `code` and English `message`. The host answers with
    /// a JSON error and grants no CORS.
    case deny(status: Int, code: String, message: String)
    /// No opinion.
    case abstain
}

/// Decides whether a public request may proceed (site keys, origins, identity).
///
/// Implementers must not block a thread and should answer within ``budget``; they must not
/// keep the ``AuthRequest`` beyond the call.
public struct RequestAuthorizer: Sendable {
    /// Name for logs, unique within the plugin.
    public var name: String
    /// How long the host waits before applying ``policy`` (default 20 ms).
    public var budget: Duration
    /// On error or timeout: `failOpen` abstains, `failClosed` denies with 503.
    public var policy: FailurePolicy
    /// Whether the authorizer has anything to say for a site at all (checked synchronously, so
    /// sites it would abstain for cost nothing). Default: every site.
    public var appliesTo: @Sendable (SiteInfo) -> Bool
    /// The decision for one request.
    public var authorize: @Sendable (AuthRequest) async throws -> AuthVerdict

    /// An authorizer; fail-closed by default (an authorizer is a security boundary).
    public init(name: String, budget: Duration = .milliseconds(20), policy: FailurePolicy = .failClosed,
                appliesTo: @escaping @Sendable (SiteInfo) -> Bool = { _ in true },
                authorize: @escaping @Sendable (AuthRequest) async throws -> AuthVerdict) {
        self.name = name
        self.budget = budget
        self.policy = policy
        self.appliesTo = appliesTo
        self.authorize = authorize
    }
}
