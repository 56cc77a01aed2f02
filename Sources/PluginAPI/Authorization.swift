import Foundation

/// The parts of an HTTP request an authorizer may look at.
public struct AuthRequest: Sendable, Equatable {
    public var method: String
    public var path: String
    /// Header names lowercased; repeated headers joined with `, `.
    public var headers: [String: String]
    public var clientIP: String?
    /// The request's `Origin`, or the origin (`scheme://host[:port]`) of its `Referer`.
    public var origin: String?
    public var site: SiteInfo

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
public struct RequestAuthorizer: Sendable {
    public var name: String
    public var budget: Duration
    /// On error or timeout: `failOpen` abstains, `failClosed` denies with 503.
    public var policy: FailurePolicy
    /// Whether the authorizer has anything to say for a site at all (checked synchronously, so
    /// sites it would abstain for cost nothing). Default: every site.
    public var appliesTo: @Sendable (SiteInfo) -> Bool
    public var authorize: @Sendable (AuthRequest) async throws -> AuthVerdict

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
