import Hummingbird
import SanctumServices

/// A route handler.
typealias Handler = @Sendable (Request, SanctumContext) async throws -> Response

/// The URL space: exact paths and path prefixes, each with handlers per method.
///
/// Hand-written rather than Hummingbird's trie router because the legacy contract distinguishes
/// 404 from 405 per path, answers HEAD as GET, and redirects slash variants (BRIDGE-API.md §1).
struct RouteTable: Sendable {
    private var exact: [String: [HTTPRequest.Method: Handler]] = [:]
    private var prefixes: [(prefix: String, handlers: [HTTPRequest.Method: Handler])] = []
    /// Paths declared with a trailing slash, reachable without it by a 308.
    private(set) var slashRedirects: Set<String> = []

    /// Routes `path` for `methods` to `handler`.
    mutating func add(_ path: String, _ methods: [HTTPRequest.Method], _ handler: @escaping Handler) {
        for method in methods { exact[path, default: [:]][method] = handler }
        if path.count > 1, path.hasSuffix("/") { slashRedirects.insert(String(path.dropLast())) }
    }

    /// Routes every path under `prefix` for `methods` to `handler`.
    mutating func addPrefix(_ prefix: String, _ methods: [HTTPRequest.Method], _ handler: @escaping Handler) {
        prefixes.append((prefix, Dictionary(uniqueKeysWithValues: methods.map { ($0, handler) })))
    }

    /// A bounded name of the route `path` takes, for metrics: the exact path, a prefix with `*`,
    /// `/api/v1/<action>` for the dispatcher with a known action, or `unmatched`.
    func label(for path: String, action: String?) -> String {
        if path == "/api/v1/", let action, exact["/api/v1/" + action] != nil { return "/api/v1/" + action }
        if exact[path] != nil { return path }
        return prefixes.first { path.hasPrefix($0.prefix) }.map { $0.prefix + "*" } ?? "unmatched"
    }

    /// The handlers of `path`, or `nil` when no route matches.
    func handlers(for path: String) -> [HTTPRequest.Method: Handler]? {
        exact[path] ?? prefixes.first { path.hasPrefix($0.prefix) }?.handlers   // first added prefix wins
    }
}
