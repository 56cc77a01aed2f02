import HTTPTypes
import SanctumServices
import Foundation
import Hummingbird

/// `/widget/*`: embed pages, the JSON endpoints of BRIDGE-API.md §5.1 and the static assets.
extension HostEnvironment {
    /// Cache policy of URLs that carry the content version.
    static let immutable = "public, max-age=31536000, immutable"
    /// Cache policy of the loader and legacy URLs: short, revalidated by ETag.
    static let shortCache = "public, max-age=300"
    /// The CSP of the HTML pages Sanctum serves itself.
    static let pageCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
    /// The headers of every HTML page Sanctum serves itself (`/chat/`, `/admin/`, `/widget/`,
    /// `/widget/demo`), stated once: the CSP above, framing by the same origin only (CSP
    /// `frame-ancestors` and, for older browsers, `X-Frame-Options`), and no referrer leaves a page.
    static let pageHeaders: HTTPFields = [
        .contentSecurityPolicy: pageCSP,
        HTTPField.Name("X-Frame-Options")!: "SAMEORIGIN",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    static let widgetNotFound = APIError(.notFound, "Widget endpoint not found")

    /// Legacy asset paths of the original widget, mapped onto our files.
    static let legacyAssets = [
        "js/chat-widget.js": "chat-widget.js",
        "css/widget.css": "chat.css",
        "assets/icons/chat-icon.svg": "icons/chat-icon.svg",
    ]

    func addWidgetRoutes(to routes: inout RouteTable) {
        routes.add("/widget/", [.get]) { request, _ in try self.page("pages/index.html", request) }
        routes.add("/widget/demo", [.get]) { request, _ in try self.page("pages/demo.html", request) }
        routes.add("/widget/init", [.get]) { request, context in try await self.widgetInit(request, context) }
        routes.add("/widget/modules", [.get]) { request, context in try await self.widgetModuleList(request, context) }
        routes.add("/widget/config", [.get]) { _, _ in self.envelope(Self.widgetConfig) }
        routes.add("/widget/health", [.get]) { _, _ in
            self.envelope(["status": "healthy", "version": "1.0.0", "api_status": "connected"])
        }
        routes.add("/widget/chat-widget.js", [.get]) { request, _ in
            try self.asset("chat-widget.js", request, cacheControl: Self.shortCache)
        }
        routes.addPrefix("/widget/static/", [.get]) { request, _ in
            let path = String(request.uri.path.dropFirst("/widget/static/".count))
            return try self.asset(Self.legacyAssets[path] ?? path, request, cacheControl: Self.shortCache)
        }
        routes.addPrefix("/widget/v/", [.get]) { request, _ in
            let rest = request.uri.path.dropFirst("/widget/v/".count)
            guard let slash = rest.firstIndex(of: "/") else { throw Self.widgetNotFound }
            let current = rest[..<slash] == self.assets.version
            return try self.asset(String(rest[rest.index(after: slash)...]), request,
                                  cacheControl: current ? Self.immutable : Self.shortCache,
                                  extraHeaders: [.accessControlAllowOrigin: "*"])
        }
        addPluginRoutes(to: &routes)
        routes.addPrefix("/widget/", [.get]) { _, _ in throw Self.widgetNotFound }
    }

    private func asset(_ path: String, _ request: Request, cacheControl: String, extraHeaders: HTTPFields = [:]) throws -> Response {
        guard !path.hasPrefix("pages/") || path.hasSuffix(".js") || path.hasSuffix(".css"),
              let response = assets.response(path, for: request, cacheControl: cacheControl, extraHeaders: extraHeaders) else {
            throw Self.widgetNotFound
        }
        return response
    }

    private func page(_ path: String, _ request: Request) throws -> Response {
        guard let response = assets.response(path, for: request, cacheControl: "no-cache",
                                             extraHeaders: Self.pageHeaders) else { throw Self.widgetNotFound }
        return response
    }

    /// `/widget/init`: echoes the options with the original's boolean rules.
    private func widgetInit(_ request: Request, _ context: SanctumContext) async throws -> Response {
        let query = Query(request.uri.query)
        guard let apiKey = query["apiKey"], !apiKey.isEmpty else { throw APIError(.badRequest, "API key is required") }
        let site = sites.site(widgetKey: apiKey)
        try await authorizePublic(request, context, site: site)
        func flag(_ name: String, default value: Bool) -> Bool {
            guard let raw = query[name] else { return value }
            return raw.lowercased() == "true"
        }
        let defaults = Self.widgetDefaults
        var config: [String: JSON] = ["apiKey": .string(apiKey)]
        for name in ["position", "theme", "title", "primaryColor", "language"] {
            config[name] = query[name].map(JSON.string) ?? defaults[name]!
        }
        config["autoOpen"] = .bool(flag("autoOpen", default: false))
        config["notifications"] = .bool(flag("notifications", default: true))
        config["sound"] = .bool(flag("sound", default: true))
        return envelope([
            "config": .object(config),
            "assets": ["css": "/widget/static/css/widget.css", "js": "/widget/static/js/chat-widget.js", "icons": "/widget/static/assets/icons/"],
            "api": ["baseUrl": .string(baseURL(request, context)), "endpoint": "/api/v1/"],
            "plugins": widgetModules(for: site, widgetKey: apiKey),
        ])
    }

    /// `/widget/modules?widget_key=<key>`: what the widget asks once its bubble is painted — the
    /// site's modules as `/widget/init` lists them (`data.plugins`), for any origin (CORS `*`,
    /// unlike `/widget/init`, which keeps the original's headers) and never cached, so a page
    /// that asks again after a server upgrade gets the current modules. No (or an empty) key: the default site.
    private func widgetModuleList(_ request: Request, _ context: SanctumContext) async throws -> Response {
        let widgetKey = Query(request.uri.query)["widget_key"].flatMap { $0.isEmpty ? nil : $0 }
        let site = sites.site(widgetKey: widgetKey)
        try await authorizePublic(request, context, site: site)
        var response = envelope(["plugins": widgetModules(for: site, widgetKey: widgetKey)])
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    /// Scheme and host of the request, as the client addressed us.
    func baseURL(_ request: Request, _ context: SanctumContext) -> String {
        var scheme = "http"
        if let peer = context.remoteAddress?.ipAddress, settings.trustedProxies.contains(peer),
           let name = HTTPField.Name("X-Forwarded-Proto"), let proto = request.headers[name], proto == "https" || proto == "http" {
            scheme = proto
        }
        let host = request.head.authority ?? "localhost"
        return scheme + "://" + host
    }

    static let widgetDefaults: [String: JSON] = [
        "position": "bottom-right", "theme": "light", "title": "Chat with us", "primaryColor": "#007bff",
        "language": "en", "autoOpen": false, "notifications": true, "sound": true,
    ]

    static let widgetConfig: JSON = [
        "positions": ["bottom-right", "bottom-left", "top-right", "top-left"],
        "themes": ["light", "dark", "auto"],
        "languages": ["en", "es", "fr", "de", "it", "pt", "ru", "zh", "ja", "ko"],
        "defaults": .object(widgetDefaults),
    ]
}
