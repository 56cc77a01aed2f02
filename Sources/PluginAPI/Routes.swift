import Foundation

/// Who calls a plugin route, as the host established it from the request's key. New cases may
/// arrive in a minor version: switch over it with a `default`.
public enum PluginCaller: String, Sendable, Hashable, CaseIterable {
    /// No key: a visitor of the site its `widget_key` names (the public widget key).
    case visitor
    /// A site's agent key (or the legacy API key, the default site's agent).
    case agent
    /// The operator's admin key (every site).
    case admin
}

/// Who may call a plugin route. The host checks it before the handler runs: a visitor calling a
/// route that is not `public` gets `401`, an agent calling an `admin` route `403`, both as JSON
/// errors; the handler never sees them.
public enum PluginRouteAccess: String, Sendable, Hashable, CaseIterable {
    /// Anyone with the site's public widget key (visitors), and its agents and the operator.
    /// The site's authorizers (for example `domain-allowlist`) run first, as for every public request.
    case `public`
    /// The site's agents (its agent key) and the operator (the admin key). The default.
    case agent
    /// The operator only (the admin key).
    case admin

    /// Whether `caller` may call a route with this access.
    public func admits(_ caller: PluginCaller) -> Bool {
        switch self {
        case .public: true
        case .agent: caller == .agent || caller == .admin
        case .admin: caller == .admin
        }
    }
}

/// A request to a plugin route.
public struct PluginRequest: Sendable {
    /// The HTTP method, uppercase.
    public var method: String
    /// The path below the plugin's prefix, starting with `/` (`/plugins/<id>/x` → `/x`).
    public var path: String
    /// Query parameters, percent-decoded.
    public var query: [String: String]
    /// Header names lowercased.
    public var headers: [String: String]
    /// The request body, read in full by the host (within its body limit); empty for a route
    /// whose body is ``PluginRouteBody/streamed(maxBytes:)``, which reads ``bodyStream`` instead.
    public var body: Data
    /// The request body chunk by chunk: the streamed body of a ``PluginRouteBody/streamed(maxBytes:)``
    /// route, or ``body`` as one chunk for a buffered one. Iterate it once. Since PluginAPI 2.2.
    public var bodyStream: PluginBodyStream
    /// The site the request is for: the agent key's site; for the admin key the site `site_id`
    /// names, else the `widget_key` site; for visitors the `widget_key` site.
    public var site: SiteInfo
    /// Who calls: always one the route's ``PluginRoute/access`` admits. Since PluginAPI 2.1.
    public var caller: PluginCaller
    /// The caller's IP address as the host sees it (behind `trusted_proxies`, the forwarded
    /// one), for limits per client; `nil` when unknown. Keep it out of storage: limit by a keyed
    /// hash of it (``PluginCrypto/hmacSHA256(key:message:)`` with a random key). Since PluginAPI 2.4.
    public var clientAddress: String?

    /// A request (the host builds these; tests build their own). Without `bodyStream`, the stream
    /// yields `body` as one chunk.
    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
                body: Data = Data(), bodyStream: PluginBodyStream? = nil, site: SiteInfo, caller: PluginCaller = .visitor,
                clientAddress: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.bodyStream = bodyStream ?? PluginBodyStream(body)
        self.site = site
        self.caller = caller
        self.clientAddress = clientAddress
    }
}

/// A plugin route's answer.
public struct PluginResponse: Sendable, Equatable {
    /// The HTTP status code.
    public var status: Int
    /// Response headers (names lowercased by convention).
    public var headers: [String: String]
    /// The response body.
    public var body: Data

    /// An answer; `200` with an empty body by default.
    public init(status: Int = 200, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer from an `Encodable` value.
    public static func json(_ value: some Encodable, status: Int = 200) throws -> PluginResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return PluginResponse(status: status, headers: ["content-type": "application/json"], body: try encoder.encode(value))
    }
}

/// An HTTP endpoint mounted at `/plugins/<plugin-id><path>`, reachable only for sites whose
/// tier enables the plugin (others get 404) and only by the callers its ``access`` admits.
/// Needs the ``PluginCapability/routes`` capability.
///
/// Handlers must not block a thread. The host has checked ``access`` (and, for a `public` route,
/// run the site's authorizers) before ``handle`` is called.
public struct PluginRoute: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// Exact path below the plugin prefix, starting with `/`.
    public var path: String
    /// Who may call it (default ``PluginRouteAccess/agent``). Since PluginAPI 2.1.
    public var access: PluginRouteAccess
    /// How it takes its body (default ``PluginRouteBody/buffered``). Since PluginAPI 2.2.
    public var body: PluginRouteBody
    /// Answers one request; a thrown error becomes `500 {"success": false, "error": "Internal server error"}`
    /// (the error itself is logged, never sent).
    public var handle: @Sendable (PluginRequest) async throws -> PluginResponse

    /// A route for `method` at `path`, for example `PluginRoute("GET", "/stats") { … }`.
    ///
    /// `access` defaults to ``PluginRouteAccess/agent``: a route answers the site's agents and the
    /// operator unless it says `access: .public` (anyone with the public widget key) or `.admin`.
    /// `body` defaults to ``PluginRouteBody/buffered``; an upload route says
    /// `body: .streamed(maxBytes: …)` and reads ``PluginRequest/bodyStream``.
    public init(_ method: String, _ path: String, access: PluginRouteAccess = .agent, body: PluginRouteBody = .buffered,
                handle: @escaping @Sendable (PluginRequest) async throws -> PluginResponse) {
        self.method = method
        self.path = path
        self.access = access
        self.body = body
        self.handle = handle
    }
}

/// A widget-side module: JavaScript (and optional CSS and language files) the widget loads,
/// lazily and in the tier's order, for sites whose tier enables the plugin, with options passed
/// to it. Needs the ``PluginCapability/widgetModule`` capability. The JavaScript API a module
/// uses is `docs/widget-modules.md`.
///
/// The host serves each file at a content-hashed, immutable URL
/// (`/widget/plugins/<id>/<hash>/module.js`) and lists it with its Subresource Integrity hash in
/// `/widget/init`. Since PluginAPI 2.2 a plugin declares the files from its own resources
/// (`Plugins/<Name>/Resources/`, which `Package.swift` bundles):
///
/// ```swift
/// widgetModule: try WidgetModule(bundle: .module, script: "widget/module.js", style: "widget/module.css",
///                                strings: ["de": "widget/de.json"], options: ["max_links": "2"])
/// ```
public struct WidgetModule: Sendable, Equatable {
    /// A file of the module that could not be read from the bundle.
    public struct MissingFile: Error, CustomStringConvertible {
        /// The path as the plugin gave it.
        public var path: String
        /// Shown when the plugin cannot be activated.
        public var description: String { "widget module file \(path) is not in the plugin's resources" }
    }

    /// The module's JavaScript (UTF-8), served as `module.js`.
    public var script: Data
    /// Optional CSS (UTF-8), served as `module.css` and adopted inside the widget's shadow root.
    public var style: Data?
    /// Interface strings per language (`"de"` → a JSON object of key → text), served as
    /// `strings-<language>.json`; the widget loads only the file of its language. Since PluginAPI 2.2.
    public var strings: [String: Data]
    /// Options the widget passes to the module (listed by `/widget/init`).
    public var options: [String: String]

    /// The JavaScript as text.
    public var javascript: String {
        get { String(decoding: script, as: UTF8.self) }
        set { script = Data(newValue.utf8) }
    }

    /// The CSS as text, if any.
    public var css: String? {
        get { style.map { String(decoding: $0, as: UTF8.self) } }
        set { style = newValue.map { Data($0.utf8) } }
    }

    /// A module from inline sources and options.
    public init(javascript: String, css: String? = nil, strings: [String: Data] = [:], options: [String: String] = [:]) {
        self.script = Data(javascript.utf8)
        self.style = css.map { Data($0.utf8) }
        self.strings = strings
        self.options = options
    }

    /// A module whose files are the plugin's resources: paths are relative to the plugin's
    /// `Resources/` folder (`bundle` is the plugin target's `Bundle.module`). Throws
    /// ``MissingFile`` for a path the bundle does not hold. Since PluginAPI 2.2.
    public init(bundle: Bundle, script: String, style: String? = nil, strings: [String: String] = [:],
                options: [String: String] = [:]) throws {
        func read(_ path: String) throws -> Data {
            for folder in ["", "Resources/"] {
                if let root = bundle.resourceURL, let data = try? Data(contentsOf: root.appendingPathComponent(folder + path)) { return data }
            }
            throw MissingFile(path: path)
        }
        self.script = try read(script)
        self.style = try style.map(read)
        self.strings = try strings.mapValues(read)
        self.options = options
    }
}

/// Everything a plugin registers at activation. Each kind of contribution needs its capability
/// in the descriptor; a plugin that contributes an undeclared one is not activated.
public struct PluginContributions: Sendable {
    /// Message validators, in the order they run.
    public var validators: [MessageValidator]
    /// Message transformers, in the order they run.
    public var transformers: [MessageTransformer]
    /// Observers of committed messages.
    public var observers: [MessageObserver]
    /// Request authorizers, in the order they run.
    public var authorizers: [RequestAuthorizer]
    /// HTTP routes under `/plugins/<id>/`.
    public var routes: [PluginRoute]
    /// The widget-side module, if any.
    public var widgetModule: WidgetModule?
    /// Durable readers of the event log.
    public var subscriptions: [EventSubscription]

    /// Contributions; everything is empty by default.
    public init(validators: [MessageValidator] = [], transformers: [MessageTransformer] = [],
                observers: [MessageObserver] = [], authorizers: [RequestAuthorizer] = [],
                routes: [PluginRoute] = [], widgetModule: WidgetModule? = nil, subscriptions: [EventSubscription] = []) {
        self.validators = validators
        self.transformers = transformers
        self.observers = observers
        self.authorizers = authorizers
        self.routes = routes
        self.widgetModule = widgetModule
        self.subscriptions = subscriptions
    }

    /// The capabilities these contributions use (storage excluded: it is used, not contributed).
    public var usedCapabilities: Set<PluginCapability> {
        var used = Set<PluginCapability>()
        if !validators.isEmpty { used.insert(.validateMessages) }
        if !transformers.isEmpty { used.insert(.transformMessages) }
        if !observers.isEmpty { used.insert(.observeMessages) }
        if !authorizers.isEmpty { used.insert(.authorizeRequests) }
        if !routes.isEmpty { used.insert(.routes) }
        if widgetModule != nil { used.insert(.widgetModule) }
        if !subscriptions.isEmpty { used.insert(.subscribeEvents) }
        return used
    }
}
