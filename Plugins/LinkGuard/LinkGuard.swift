import Foundation
import PluginAPI

/// Refuses visitor messages with too many links, upgrades `http://` links to `https://`, counts
/// refusals per site and warns visitors in the widget — the worked example of `docs/plugins.md`.
public struct LinkGuard: Plugin {
    /// The `plugins.link-guard` section of the config file: keys in snake_case, each optional.
    public struct Configuration: PluginConfiguration {
        /// A visitor message with more links than this is refused.
        public var maxLinks = 2
        /// Rewrite `http://` links to `https://` before the message is stored.
        public var upgradeHTTP = true

        /// The defaults: what a file that leaves keys out gets.
        public init() {}

        /// The defaults with this limit.
        public init(maxLinks: Int) { self.maxLinks = maxLinks }
    }

    /// Thrown at startup for a limit that cannot work.
    public struct InvalidLimit: Error, CustomStringConvertible {
        /// Shown when the server refuses to start.
        public var description: String { "plugins.link-guard.max_links must be 0 or more" }
    }

    public static let descriptor = PluginDescriptor(
        id: "link-guard", version: "1.0.0", minimumAPIVersion: PluginAPIVersion(2, 2),
        capabilities: [.validateMessages, .transformMessages, .observeMessages, .routes, .storage, .widgetModule],
        summary: "Refuses visitor messages with too many links, upgrades http:// links and counts refusals per site")

    /// The code clients switch on.
    public static let code = "link_guard.too_many_links"

    let configuration: Configuration

    public init(configuration: Configuration) throws {
        guard configuration.maxLinks >= 0 else { throw InvalidLimit() }
        self.configuration = configuration
    }

    /// The `http://` and `https://` links in `text`.
    static func links(in text: String) -> [Substring] {
        text.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
    }

    public func activate(host: any PluginHost) async throws -> PluginContributions {
        let (maxLinks, upgrade) = (configuration.maxLinks, configuration.upgradeHTTP)
        let countRefusal = MessageObserver.rejections(name: "count") { rejection in
            guard rejection.pluginID == Self.descriptor.id else { return }
            _ = try await host.storage.increment("refused:\(rejection.site.id)")
        }
        return PluginContributions(
            validators: [
                MessageValidator(name: "links") { draft, _ in
                    guard Self.links(in: draft.text).count > maxLinks else { return .allow }
                    return .reject(code: Self.code, localizationKey: "error.too_many_links",
                                   message: "This message has more than \(maxLinks) links")
                }
            ],
            transformers: upgrade
                ? [MessageTransformer(name: "https") { draft, _ in draft.text.replacingOccurrences(of: "http://", with: "https://") }]
                : [],
            observers: [countRefusal],
            routes: [
                PluginRoute("GET", "/stats", access: .agent) { request in
                    try .json(["refused": try await host.storage.counter("refused:\(request.site.id)")])
                }
            ],
            widgetModule: try WidgetModule(bundle: .module, script: "widget/module.js", style: "widget/module.css",
                                           strings: ["de": "widget/de.json"], options: ["max_links": String(maxLinks)]))
    }
}
