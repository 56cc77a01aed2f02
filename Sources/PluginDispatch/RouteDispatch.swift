import Foundation
import PluginAPI

/// A plugin route a request resolved to.
public struct ResolvedRoute: Sendable {
    /// The plugin's id (the segment after `/plugins/`).
    public var pluginID: String
    /// The path below the plugin's prefix, starting with `/`.
    public var path: String
    /// The route whose method and path match.
    public var route: PluginRoute
}

/// Why a request to `/plugins/…` is answered before any handler runs. The server and
/// `PluginTesting`'s harness answer with the same ``status`` and ``message``.
public enum RouteRefusal: Error, Sendable, Equatable {
    /// No such plugin for the site (unknown, or not enabled by its tier), or no such path: 404.
    case notFound
    /// The path exists, not with this method: 405.
    case methodNotAllowed
    /// A visitor (no key) called a route that needs a key: 401.
    case unauthenticated
    /// An agent called an admin route: 403.
    case forbidden

    /// The HTTP status of the answer.
    public var status: Int {
        switch self {
        case .notFound: 404
        case .methodNotAllowed: 405
        case .unauthenticated: 401
        case .forbidden: 403
        }
    }

    /// The `error` string of the JSON answer.
    public var message: String {
        switch self {
        case .notFound: "Endpoint not found"
        case .methodNotAllowed: "Method not allowed"
        case .unauthenticated: "Authentication required"
        case .forbidden: "This route needs the admin key"
        }
    }
}

/// The routing rules of plugin routes, shared by the server and `PluginTesting`: the plugin must
/// be enabled for the site, the path and then the method must match, and the route's
/// ``PluginRoute/access`` must admit the caller — checked in that order.
public enum RouteDispatch {
    /// The route that `pathBelowPrefix` (what follows `/plugins/`) and `method` name for a
    /// `caller` of a site that enables `enabled`; `contributions` gives an activated plugin's.
    public static func resolve(_ pathBelowPrefix: some StringProtocol, method: String, caller: PluginCaller, enabled: [String],
                               contributions: (String) -> PluginContributions?) throws(RouteRefusal) -> ResolvedRoute {
        let id = String(pathBelowPrefix.prefix { $0 != "/" })
        let rest = String(pathBelowPrefix.dropFirst(id.count))
        let path = rest.isEmpty ? "/" : rest
        guard enabled.contains(id), let routes = contributions(id)?.routes else { throw .notFound }
        let matching = routes.filter { $0.path == path }
        guard !matching.isEmpty else { throw .notFound }
        guard let route = matching.first(where: { $0.method == method }) else { throw .methodNotAllowed }
        guard route.access.admits(caller) else { throw caller == .visitor ? .unauthenticated : .forbidden }
        return ResolvedRoute(pluginID: id, path: path, route: route)
    }
}
