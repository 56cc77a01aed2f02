import Foundation

/// A request to a plugin route.
public struct PluginRequest: Sendable {
    public var method: String
    /// The path below the plugin's prefix, starting with `/` (`/plugins/<id>/x` → `/x`).
    public var path: String
    public var query: [String: String]
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data
    public var site: SiteInfo

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
    public var status: Int
    public var headers: [String: String]
    public var body: Data

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
/// tier enables the plugin (others get 404).
public struct PluginRoute: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// Exact path below the plugin prefix, starting with `/`.
    public var path: String
    public var handle: @Sendable (PluginRequest) async throws -> PluginResponse

    public init(_ method: String, _ path: String, handle: @escaping @Sendable (PluginRequest) async throws -> PluginResponse) {
        self.method = method
        self.path = path
        self.handle = handle
    }
}

/// A widget-side module: JavaScript (and optional CSS) the widget loads for sites whose tier
/// enables the plugin, with options passed to it.
public struct WidgetModule: Sendable, Equatable {
    public var javascript: String
    public var css: String?
    public var options: [String: String]

    public init(javascript: String, css: String? = nil, options: [String: String] = [:]) {
        self.javascript = javascript
        self.css = css
        self.options = options
    }
}

/// Everything a plugin registers at activation.
public struct PluginContributions: Sendable {
    public var validators: [MessageValidator]
    public var transformers: [MessageTransformer]
    public var observers: [MessageObserver]
    public var authorizers: [RequestAuthorizer]
    public var routes: [PluginRoute]
    public var widgetModule: WidgetModule?

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
