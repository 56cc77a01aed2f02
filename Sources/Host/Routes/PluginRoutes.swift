import HTTPTypes
import SanctumServices
import Foundation
import Hummingbird
import PluginAPI

/// `/plugins/<id>/…` (plugin routes) and `/widget/plugins/<id>/module.js|css` (widget modules).
/// Both exist only for sites whose tier enables the plugin; for every other site they are 404.
extension HostEnvironment {
    func addPluginRoutes(to routes: inout RouteTable) {
        let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]
        routes.addPrefix("/plugins/", methods) { request, context in try await self.pluginRoute(request, context) }
        routes.addPrefix("/widget/plugins/", [.get]) { request, context in try await self.widgetModule(request, context) }
    }

    /// The site of a plugin request: a bearer agent key, else the `widget_key` query parameter.
    /// A bearer token is a key attempt: a wrong one counts against the IP's failure budget (so
    /// plugin routes are no way around the throttle), and a locked-out IP gets 429.
    private func pluginSite(_ request: Request, _ context: SanctumContext) throws(APIError) -> Site {
        if let key = request.headers.bearerKey {
            try admitKeyAttempt(client: context.clientIP)
            switch services.access.caller(forKey: key) {
            case .agent(let site)?: return site
            case nil: try throttleFailure(client: context.clientIP)
            default: break  // the admin key names no site
            }
        }
        return sites.site(widgetKey: Query(request.uri.query)["widget_key"])
    }

    private func pluginRoute(_ request: Request, _ context: SanctumContext) async throws -> Response {
        let rest = request.uri.path.dropFirst("/plugins/".count)
        let id = String(rest.prefix { $0 != "/" })
        let path = String(rest.dropFirst(id.count))
        let site = try pluginSite(request, context)
        guard site.plugins.contains(id), let routes = plugins.contributions(of: id)?.routes else { throw APIError.notFound }
        let matching = routes.filter { $0.path == (path.isEmpty ? "/" : path) }
        guard !matching.isEmpty else { throw APIError.notFound }
        let method = request.method == .head ? "GET" : request.method.rawValue
        guard let route = matching.first(where: { $0.method == method }) else { throw APIError.methodNotAllowed }
        try await authorizePublic(request, context, site: site)
        var request = request
        let body = try await request.collectBody(limit: settings.maxBodyBytes)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let pluginRequest = PluginRequest(method: method, path: path.isEmpty ? "/" : path, query: Query(request.uri.query).all, headers: headers,
                                          body: Data(buffer: body), site: site.info)
        let answer: PluginResponse
        do {
            answer = try await route.handle(pluginRequest)
        } catch {
            logger.error("plugin \(id) route \(method) \(path) failed: \(error)")
            throw APIError.internalError
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(data: answer.body)))
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
