import Foundation

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
    /// The request body, read in full by the host (within its body limit).
    public var body: Data
    /// The site the request is for (from a bearer agent key or the `widget_key` parameter).
    public var site: SiteInfo

    /// A request (the host builds these; tests build their own).
    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
                body: Data = Data(), site: SiteInfo) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.site = site
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
/// tier enables the plugin (others get 404). Needs the ``PluginCapability/routes`` capability.
///
/// Handlers must not block a thread; the host's authorizers have run before ``handle`` is called.
public struct PluginRoute: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// Exact path below the plugin prefix, starting with `/`.
    public var path: String
    /// Answers one request; a thrown error becomes a 500 JSON error.
    public var handle: @Sendable (PluginRequest) async throws -> PluginResponse

    /// A route for `method` at `path` (for example `PluginRoute("GET", "/ping") { … }`).
    public init(_ method: String, _ path: String, handle: @escaping @Sendable (PluginRequest) async throws -> PluginResponse) {
        self.method = method
        self.path = path
        self.handle = handle
    }
}

/// A widget-side module: JavaScript (and optional CSS) the widget loads for sites whose tier
/// enables the plugin, with options passed to it. Needs the ``PluginCapability/widgetModule``
/// capability.
public struct WidgetModule: Sendable, Equatable {
    /// The module's JavaScript, served at `/widget/plugins/<id>/module.js`.
    public var javascript: String
    /// Optional CSS, served at `/widget/plugins/<id>/module.css`.
    public var css: String?
    /// Options the widget passes to the module (listed by `/widget/init`).
    public var options: [String: String]

    /// A module from its sources and options.
    public init(javascript: String, css: String? = nil, options: [String: String] = [:]) {
        self.javascript = javascript
        self.css = css
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

    /// Contributions; everything is empty by default.
    public init(validators: [MessageValidator] = [], transformers: [MessageTransformer] = [],
                observers: [MessageObserver] = [], authorizers: [RequestAuthorizer] = [],
                routes: [PluginRoute] = [], widgetModule: WidgetModule? = nil) {
        self.validators = validators
        self.transformers = transformers
        self.observers = observers
        self.authorizers = authorizers
        self.routes = routes
        self.widgetModule = widgetModule
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
        return used
    }
}
