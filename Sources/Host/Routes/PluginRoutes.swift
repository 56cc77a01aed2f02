import HTTPTypes
import SanctumServices
import Foundation
import Hummingbird
import PluginAPI
import PluginDispatch

/// `/plugins/<id>/…` (plugin routes) and `/widget/plugins/<id>/module.js|css` (widget modules).
/// Both exist only for sites whose tier enables the plugin; for every other site they are 404.
/// A plugin route answers only the callers its declared access admits (401/403 otherwise).
extension HostEnvironment {
    func addPluginRoutes(to routes: inout RouteTable) {
        let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]
        routes.addPrefix("/plugins/", methods + [.options]) { request, context in
            guard request.method == .options else { return try await self.pluginRoute(request, context) }
            // OPTIONS lists the methods the plugin's routes declare for the path, not all the prefix takes.
            let allow = self.allowedMethods(request.uri.path.dropFirst("/plugins/".count))
            guard allow != "OPTIONS" else { throw APIError.notFound }
            return Response(status: .ok, headers: [.allow: allow])
        }
        routes.addPrefix("/widget/plugins/", [.get]) { request, context in try await self.widgetModule(request, context) }
    }

    /// The caller of a plugin request and its site: a bearer agent key → that agent's site; the
    /// admin key → the site `site_id` names (404 if unknown), else the `widget_key` site; no key →
    /// a visitor of the `widget_key` site. A wrong key is 401 (and counts toward the throttle); an
    /// IP that spent its failure budget gets 429 for every key, right or wrong.
    private func pluginCaller(_ request: Request, _ context: SanctumContext) throws(APIError) -> (PluginCaller, Site) {
        let query = Query(request.uri.query)
        switch try caller(request, context, widgetKey: query["widget_key"]) {
        case .visitor(let site): return (.visitor, site)
        case .agent(let site): return (.agent, site)
        case .admin:
            guard let id = query["site_id"] else { return (.admin, sites.site(widgetKey: query["widget_key"])) }
            guard let site = sites.site(id: id) else { throw APIError.notFound }
            return (.admin, site)
        }
    }

    /// Resolves the route with ``RouteDispatch`` (enabled plugin, path, method, access — the rules
    /// `PluginTesting` applies too), runs the site's authorizers before a public route, then the handler.
    private func pluginRoute(_ request: Request, _ context: SanctumContext) async throws -> Response {
        let (caller, site) = try pluginCaller(request, context)
        let method = request.method == .head ? "GET" : request.method.rawValue
        let resolved: ResolvedRoute
        do {
            resolved = try RouteDispatch.resolve(request.uri.path.dropFirst("/plugins/".count), method: method, caller: caller,
                                                 enabled: site.plugins, contributions: plugins.contributions(of:))
        } catch {
            var refusal = APIError(HTTPResponse.Status(code: error.status), error.message)
            if error == .methodNotAllowed { refusal.headers[.allow] = allowedMethods(request.uri.path.dropFirst("/plugins/".count)) }
            throw refusal
        }
        if resolved.route.access == .public { try await authorizePublic(request, context, site: site) }
        var request = request
        let body = try await request.collectBody(limit: settings.maxBodyBytes)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let pluginRequest = PluginRequest(method: method, path: resolved.path, query: Query(request.uri.query).all, headers: headers,
                                          body: Data(buffer: body), site: site.info, caller: caller)
        let answer: PluginResponse
        do {
            answer = try await resolved.route.handle(pluginRequest)
        } catch {
            logger.error("plugin \(resolved.pluginID) route \(method) \(resolved.path) failed: \(error)")
            throw APIError.internalError
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(data: answer.body)))
    }

    /// The `Allow` header of a plugin path: the methods its routes declare (RFC 9110 §15.5.6).
    private func allowedMethods(_ pathBelowPrefix: Substring) -> String {
        let id = String(pathBelowPrefix.prefix { $0 != "/" })
        let rest = String(pathBelowPrefix.dropFirst(id.count))
        let path = rest.isEmpty ? "/" : rest
        var methods = Set((plugins.contributions(of: id)?.routes ?? []).filter { $0.path == path }.map(\.method))
        if methods.contains("GET") { methods.insert("HEAD") }
        methods.insert("OPTIONS")
        return methods.sorted().joined(separator: ", ")
    }

    private func widgetModule(_ request: Request, _ context: SanctumContext) async throws -> Response {
        let rest = request.uri.path.dropFirst("/widget/plugins/".count)
        let parts = rest.split(separator: "/")
        let site = sites.site(widgetKey: Query(request.uri.query)["widget_key"])
        guard parts.count == 2, site.plugins.contains(String(parts[0])), let module = plugins.contributions(of: String(parts[0]))?.widgetModule else {
            throw Self.widgetNotFound
        }
        try await authorizePublic(request, context, site: site)
        switch parts[1] {
        case "module.js": return .bytes(Array(module.javascript.utf8), type: "text/javascript; charset=utf-8", headers: [.cacheControl: Self.shortCache])
        case "module.css" where module.css != nil: return .bytes(Array(module.css!.utf8), type: "text/css; charset=utf-8", headers: [.cacheControl: Self.shortCache])
        default: throw Self.widgetNotFound
        }
    }

    /// The widget modules enabled for `site`, as `/widget/init` lists them.
    func widgetModules(for site: Site) -> JSON {
        .array(site.plugins.compactMap { id in
            guard let module = plugins.contributions(of: id)?.widgetModule else { return nil }
            var entry: [String: JSON] = ["id": .string(id), "script": .string("/widget/plugins/\(id)/module.js"),
                                         "options": .object(module.options.mapValues(JSON.string))]
            if module.css != nil { entry["style"] = .string("/widget/plugins/\(id)/module.css") }
            return .object(entry)
        })
    }
}
