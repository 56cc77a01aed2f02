import HTTPTypes
import SanctumServices
import Foundation
import Hummingbird
import PluginAPI
import PluginDispatch

/// `/plugins/<id>/…` (plugin routes) and `/widget/plugins/<id>/<hash>/<file>` (widget modules).
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
        let method = request.method == .head ? "GET" : request.method.rawValue
        // A method no plugin route of this path takes is 405 whoever asks, before the caller's
        // site is resolved (the paths are public: docs/openapi.yaml lists them).
        let allow = allowedMethods(request.uri.path.dropFirst("/plugins/".count))
        if allow != "OPTIONS", !allow.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == method }) {
            var refusal = APIError.methodNotAllowed
            refusal.headers[.allow] = allow
            throw refusal
        }
        let (caller, site) = try pluginCaller(request, context)
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
        let input: PluginRouteInput
        do {
            input = try await PluginRouteInput.read(&request, for: resolved.route, bufferedLimit: settings.maxBodyBytes)
        } catch let refusal as StreamedBodyRefusal {
            return refusal.response(closing: context.channel)
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let pluginRequest = PluginRequest(method: method, path: resolved.path, query: Query(request.uri.query).all, headers: headers,
                                          body: input.body, bodyStream: input.stream, site: site.info, caller: caller,
                                          clientAddress: context.clientIP)
        let answer: PluginResponse
        do {
            answer = try await resolved.route.handle(pluginRequest)
        } catch {
            if let overflow = input.overflow { return overflow.response(closing: context.channel) }
            logger.error("plugin \(resolved.pluginID) route \(method) \(resolved.path) failed: \(error)")
            throw APIError.internalError
        }
        if let overflow = input.overflow { return overflow.response(closing: context.channel) }
        var fields = HTTPFields()
        for (name, value) in answer.headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        let status = HTTPResponse.Status(code: answer.status)
        if input.leftBodyUnread { return .closingConnection(status: status, headers: fields, body: ByteBuffer(data: answer.body), channel: context.channel) }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(data: answer.body)))
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

    /// The characters a query value keeps as they are (RFC 3986 unreserved).
    static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    /// The files of a widget module as the host serves them: `module.js`, `module.css` and
    /// `strings-<language>.json`.
    static func widgetModuleAssets(_ plugins: PluginRuntime) -> [String: WidgetAssets] {
        var assets: [String: WidgetAssets] = [:]
        for id in plugins.activatedIDs {
            guard let module = plugins.contributions(of: id)?.widgetModule else { continue }
            var files: [(path: String, bytes: [UInt8])] = [("module.js", Array(module.script))]
            if let style = module.style { files.append(("module.css", Array(style))) }
            for (language, strings) in module.strings { files.append(("strings-\(language).json", Array(strings))) }
            assets[id] = WidgetAssets(files: files)
        }
        return assets
    }

    /// `/widget/plugins/<id>/<hash>/<file>`: the current file is `immutable`; a hash that is not
    /// the current one (a page loaded before an upgrade) gets the current file with a short cache,
    /// so its Subresource Integrity check fails and the widget fetches `/widget/init` again.
    /// `/widget/plugins/<id>/<file>` (before PluginAPI 2.2) serves the current file, short cache.
    private func widgetModule(_ request: Request, _ context: SanctumContext) async throws -> Response {
        let parts = request.uri.path.dropFirst("/widget/plugins/".count).split(separator: "/").map(String.init)
        let site = sites.site(widgetKey: Query(request.uri.query)["widget_key"])
        guard parts.count == 2 || parts.count == 3, site.plugins.contains(parts[0]), let files = moduleAssets[parts[0]] else {
            throw Self.widgetNotFound
        }
        try await authorizePublic(request, context, site: site)
        let current = parts.count == 3 && files.fingerprint(parts[2])?.hash == parts[1]
        guard let response = files.response(parts[parts.count - 1], for: request, cacheControl: current ? Self.immutable : Self.shortCache,
                                            extraHeaders: [.accessControlAllowOrigin: "*"]) else { throw Self.widgetNotFound }
        return response
    }

    /// The widget modules enabled for `site` (whose public key is `widgetKey`, if any), in the tier's
    /// order, as `/widget/init` lists them: id, plugin version, options, and for each file its
    /// immutable URL and Subresource Integrity value.
    func widgetModules(for site: Site, widgetKey: String?) -> JSON {
        let key = widgetKey.map { "?widget_key=" + ($0.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "") } ?? ""
        return .array(site.plugins.compactMap { id in
            guard let module = plugins.contributions(of: id)?.widgetModule, let files = moduleAssets[id] else { return nil }
            func file(_ name: String) -> JSON? {
                files.fingerprint(name).map { ["url": .string("/widget/plugins/\(id)/\($0.hash)/\(name)" + key), "integrity": .string($0.integrity)] }
            }
            var entry: [String: JSON] = ["id": .string(id), "version": plugins.version(of: id).map(JSON.string) ?? .null,
                                         "options": .object(module.options.mapValues(JSON.string)),
                                         "script": file("module.js") ?? .null]
            if let style = file("module.css") { entry["style"] = style }
            entry["strings"] = .object(Dictionary(uniqueKeysWithValues: module.strings.keys.compactMap { language in
                file("strings-\(language).json").map { (language, $0) }
            }))
            return .object(entry)
        })
    }
}
