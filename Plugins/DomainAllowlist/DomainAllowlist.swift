import Foundation
import PluginAPI

/// Domain allowlisting: a site that lists allowed origins only answers widget and public API
/// requests whose `Origin` (or, without one, the origin of the `Referer`) matches one of them.
///
/// Entries are `scheme://host[:port]`; the host may start with `*.` to allow every subdomain
/// (not the bare domain). An entry without a scheme (`example.com`) matches both http and https.
/// A site without entries behaves as the bridge API did: every origin is allowed.
public struct DomainAllowlist: Plugin {
    /// Global options (the per-site lists come from the site's `allowed_origins`).
    public struct Configuration: PluginConfiguration, Equatable {
        /// Allow requests that carry neither `Origin` nor `Referer` (servers, curl, privacy
        /// extensions). Browsers always send `Origin` on cross-origin API calls. Default `true`.
        public var allowRequestsWithoutOrigin = true

        /// The defaults.
        public init() {}

        /// The defaults with `allowRequestsWithoutOrigin` set.
        public init(allowRequestsWithoutOrigin: Bool) {
            self.allowRequestsWithoutOrigin = allowRequestsWithoutOrigin
        }
    }

    public static let descriptor = PluginDescriptor(
        id: "domain-allowlist", version: "1.0.0", minimumAPIVersion: PluginAPIVersion(2, 1), capabilities: [.authorizeRequests],
        summary: "Only the origins a site lists may embed its widget and call its public API")

    /// Code of the 403 answer.
    public static let deniedCode = "origin.not_allowed"

    let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func activate(host: any PluginHost) async throws -> PluginContributions {
        let allowWithoutOrigin = configuration.allowRequestsWithoutOrigin
        return PluginContributions(authorizers: [
            RequestAuthorizer(name: "origin", budget: .milliseconds(50), policy: .failClosed,
                              appliesTo: { !$0.allowedOrigins.isEmpty }) { request in
                let patterns = request.site.allowedOrigins
                guard !patterns.isEmpty else { return .abstain }
                guard let origin = request.origin.flatMap(Origin.init) else {
                    return allowWithoutOrigin && request.origin == nil ? .abstain : Self.deny(request.origin)
                }
                return patterns.contains { OriginPattern($0)?.matches(origin) == true } ? .allow : Self.deny(request.origin)
            },
        ])
    }

    static func deny(_ origin: String?) -> AuthVerdict {
        .deny(status: 403, code: deniedCode, message: "Origin \(origin ?? "(none)") is not allowed for this site")
    }
}

/// A parsed origin: scheme, lowercase host, explicit or default port.
struct Origin: Equatable {
    var scheme: String
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased(), !host.isEmpty else { return nil }
        self.scheme = scheme
        self.host = host.hasSuffix(".") ? String(host.dropLast()) : host
        guard let port = components.port ?? Origin.defaultPort(scheme) else { return nil }
        self.port = port
    }

    static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "https", "wss": 443
        case "http", "ws": 80
        default: nil
        }
    }
}

/// An allowlist entry: `[scheme://](*.)host[:port]`.
struct OriginPattern {
    var scheme: String?
    var host: String
    var wildcard: Bool
    var port: Int?

    init?(_ text: String) {
        var rest = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let range = rest.range(of: "://") {
            scheme = String(rest[..<range.lowerBound])
            rest = String(rest[range.upperBound...])
        }
        if rest.hasSuffix("/") { rest.removeLast() }
        if let colon = rest.lastIndex(of: ":"), let value = Int(rest[rest.index(after: colon)...]) {
            port = value
            rest = String(rest[..<colon])
        }
        wildcard = rest.hasPrefix("*.")
        host = wildcard ? String(rest.dropFirst(2)) : rest
        guard !host.isEmpty, !host.contains("*"), !host.contains("/") else { return nil }
    }

    func matches(_ origin: Origin) -> Bool {
        if let scheme, scheme != origin.scheme { return false }
        let expectedPort = port ?? scheme.flatMap(Origin.defaultPort) ?? Origin.defaultPort(origin.scheme)
        guard expectedPort == origin.port else { return false }
        return wildcard ? origin.host.hasSuffix("." + host) : origin.host == host
    }
}
