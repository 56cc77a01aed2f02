import Foundation
import PluginAPI
import PluginDispatch

extension HookHarness {
    /// Calls a plugin route as the server does, and returns what a client would get.
    ///
    /// ```swift
    /// let stats = await harness.call("GET", "/plugins/link-guard/stats", as: .agent)
    /// XCTAssertEqual(stats.status, 200)
    /// let anonymous = await harness.call("GET", "/plugins/link-guard/stats")   // a visitor
    /// XCTAssertEqual(anonymous.status, 401)
    /// ```
    ///
    /// The rules are the server's (``RouteDispatch``): a plugin that `site`'s tier does not enable
    /// (see ``tiers``) or an unknown path is 404, a wrong method 405, a visitor on a route that is
    /// not `public` 401, an agent on an `admin` route 403. Before a `public` route the site's
    /// authorizers run with `origin` (a deny gives its status and `error_code`). A handler that
    /// throws gives 500 and the error is logged to ``MockHost/logs``. Refusals carry the server's
    /// JSON body `{"error": …, "success": false}`.
    ///
    /// `clientAddress` is the caller's IP the route sees (``PluginRequest/clientAddress``; a
    /// documentation address by default).
    ///
    /// `chunks`, when given, is the body as it arrives in pieces (`body` is then ignored): a
    /// route with a ``PluginRouteBody/streamed(maxBytes:)`` body reads them one by one from
    /// ``PluginRequest/bodyStream``, a buffered route gets them joined. A streamed route answers
    /// 413 as the server does: from a `content-length` header over its cap before the handler
    /// runs, or when the chunks pass the cap, whatever the handler returns.
    public func call(_ method: String, _ path: String, as caller: PluginCaller = .visitor, site: SiteInfo? = nil,
                     query: [String: String] = [:], headers: [String: String] = [:], body: Data = Data(),
                     chunks: [Data]? = nil, origin: String? = nil, clientAddress: String? = "203.0.113.7") async -> PluginResponse {
        let site = site ?? self.site
        let enabled = enabledPlugins(for: site)
        let method = method.uppercased() == "HEAD" ? "GET" : method.uppercased()
        guard path.hasPrefix("/plugins/") else { return Self.error(RouteRefusal.notFound.status, RouteRefusal.notFound.message) }
        let resolved: ResolvedRoute
        do {
            resolved = try RouteDispatch.resolve(path.dropFirst("/plugins/".count), method: method, caller: caller, enabled: enabled,
                                                 contributions: { contributions[$0] })
        } catch {
            return Self.error(error.status, error.message)
        }
        if resolved.route.access == .public {
            let request = AuthRequest(method: method, path: path, headers: headers, clientIP: "127.0.0.1", origin: origin, site: site)
            if case .deny(let status, let code, let message) = await pipeline.authorize(request, enabled: enabled) {
                return Self.error(status, message, code: code)
            }
        }
        let input = RouteInput(route: resolved.route, body: body, chunks: chunks)
        if let limit = input.limit, limit.refuses(declaredLength: headers["content-length"]) { return Self.error(413, limit.message) }
        let request = PluginRequest(method: method, path: resolved.path, query: query, headers: headers, body: input.body,
                                    bodyStream: input.stream, site: site, caller: caller, clientAddress: clientAddress)
        let answer: PluginResponse
        do {
            answer = try await resolved.route.handle(request)
        } catch {
            if let limit = input.limit, limit.wasExceeded { return Self.error(413, limit.message) }
            host.log(.error, "plugin \(resolved.pluginID) route \(method) \(resolved.path) failed: \(error)", metadata: [:])
            return Self.error(500, "Internal server error")
        }
        if let limit = input.limit, limit.wasExceeded { return Self.error(413, limit.message) }
        return answer
    }

    /// The server's JSON error answer.
    private static func error(_ status: Int, _ message: String, code: String? = nil) -> PluginResponse {
        var object: [String: Any] = ["success": false, "error": message]
        if let code { object["error_code"] = code }
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return PluginResponse(status: status, headers: ["content-type": "application/json"], body: body)
    }
}

/// A route's body as the harness hands it over: joined for a buffered route, streamed chunk by
/// chunk under the route's cap for a streamed one.
private struct RouteInput {
    var body = Data()
    var stream: PluginBodyStream?
    var limit: StreamedBodyLimit?

    init(route: PluginRoute, body: Data, chunks: [Data]?) {
        let pieces = chunks ?? [body]
        guard case .streamed(let maxBytes) = route.body else {
            self.body = pieces.reduce(into: Data()) { $0.append($1) }
            return
        }
        let limit = StreamedBodyLimit(maxBytes: maxBytes)
        let remaining = Locked(pieces[...])
        self.limit = limit
        stream = limit.stream { remaining.withLock { $0.popFirst() } }
    }
}
