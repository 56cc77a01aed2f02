import Foundation
import PluginAPI

extension Notifications {
    /// What the widget module does for a visitor when an agent replies
    /// (`plugins.notifications.visitor`): the defaults of every site.
    public struct VisitorAlerts: Codable, Sendable, Equatable {
        /// The sounds the module can play (WebAudio, no file): `chime`, `beep`, `bell`.
        public static let sounds = ["chime", "beep", "bell"]

        /// A sound for a reply while the chat is closed or the tab hidden, in one tab only.
        public var sound = true
        /// Which sound: one of ``sounds``.
        public var soundName = "chime"
        /// The unread count in the page's title (`(2) Shop`), restored when read.
        public var titleCount = false
        /// A browser notification for a reply while the tab is hidden; permission is asked after
        /// the visitor's first message, never on load.
        public var browserNotifications = true

        /// The defaults: sound (`chime`) and browser notifications on, no title count.
        public init() {}

        /// The module's `options`, as the widget gets them (`"true"`/`"false"` and the sound's name).
        public var moduleOptions: [String: String] {
            ["sound": String(sound), "sound_name": soundName, "title_count": String(titleCount),
             "browser_notifications": String(browserNotifications)]
        }
    }

    /// One site's changes to the ``VisitorAlerts`` defaults (`plugins.notifications.visitor_sites`);
    /// a key left out keeps the default.
    public struct SiteVisitorAlerts: Codable, Sendable, Equatable {
        /// The site (its `id` in `sites:`).
        public var site: String
        /// Overrides ``VisitorAlerts/sound``.
        public var sound: Bool?
        /// Overrides ``VisitorAlerts/soundName``.
        public var soundName: String?
        /// Overrides ``VisitorAlerts/titleCount``.
        public var titleCount: Bool?
        /// Overrides ``VisitorAlerts/browserNotifications``.
        public var browserNotifications: Bool?

        /// Changes for `site`; nothing set yet.
        public init(site: String) { self.site = site }

        private enum CodingKeys: String, CodingKey {
            case site, sound, soundName = "sound_name", titleCount = "title_count", browserNotifications = "browser_notifications"
        }

        /// `defaults` with this site's changes.
        func applied(to defaults: VisitorAlerts) -> VisitorAlerts {
            var alerts = defaults
            alerts.sound = sound ?? alerts.sound
            alerts.soundName = soundName ?? alerts.soundName
            alerts.titleCount = titleCount ?? alerts.titleCount
            alerts.browserNotifications = browserNotifications ?? alerts.browserNotifications
            return alerts
        }
    }
}

extension Notifications.Configuration {
    /// What the widget does for `site`'s visitors: the defaults with the site's changes.
    func visitorAlerts(for site: String) -> Notifications.VisitorAlerts {
        visitorSites.first { $0.site == site }.map { $0.applied(to: visitor) } ?? visitor
    }
}

extension Notifications {
    /// The widget module: its script and CSS from the plugin's resources and the defaults as
    /// options (`per_site: "true"` when some site changes them: the module then asks
    /// ``visitorOptionsRoute(_:)`` for its site's).
    static func widgetModule(_ configuration: Configuration) throws -> WidgetModule {
        var options = configuration.visitor.moduleOptions
        options["per_site"] = String(!configuration.visitorSites.isEmpty)
        return try WidgetModule(bundle: .module, script: "widget/module.js", style: "widget/module.css", options: options)
    }

    /// `GET /plugins/notifications/visitor-options` (public, the widget's key): the options of
    /// the caller's site, `{"success": true, "data": {"sound": "true", …}}`.
    static func visitorOptionsRoute(_ configuration: Configuration) -> PluginRoute {
        PluginRoute("GET", "/visitor-options", access: .public) { request in
            try .json(Success(data: configuration.visitorAlerts(for: request.site.id).moduleOptions))
        }
    }

    /// Checks the visitor options: known sounds and sites listed once.
    static func validateVisitor(_ configuration: Configuration) throws {
        let names = [configuration.visitor.soundName] + configuration.visitorSites.compactMap(\.soundName)
        if let unknown = names.first(where: { !VisitorAlerts.sounds.contains($0) }) {
            throw InvalidConfiguration(description: "plugins.notifications sound_name must be one of "
                                       + VisitorAlerts.sounds.joined(separator: ", ") + ", found \"\(unknown)\"")
        }
        let sites = configuration.visitorSites.map(\.site)
        if let twice = sites.first(where: { site in sites.filter { $0 == site }.count > 1 }) {
            throw InvalidConfiguration(description: "plugins.notifications.visitor_sites lists site \"\(twice)\" more than once")
        }
    }
}
