import Foundation
import PluginAPI

/// Usage analytics per site from the durable event log, read through the plugin's own cursor:
/// conversations, messages, unique visitors, first-response and reply times as histograms,
/// unanswered and reopened conversations, in 15-minute buckets kept as hourly rollups, with a
/// JSON summary and CSV exports; its widget module reports the funnel (bubble shown, chat opened,
/// first message sent), the widget's timings and its errors (`docs/plugins/analytics.md`).
public struct Analytics: Plugin {
    /// Id `analytics`; it reads the event log, keeps its rollups in storage and serves the reports.
    public static let descriptor = PluginDescriptor(
        id: "analytics", version: "1.3.0", minimumAPIVersion: PluginAPIVersion(2, 4),
        capabilities: [.subscribeEvents, .storage, .routes, .widgetModule],
        summary: "Usage per site from the event log: conversations, messages, visitors, first-response and reply times, unanswered and reopened conversations, with a JSON summary and CSV exports")

    let configuration: Configuration

    /// The plugin for `configuration`; throws ``InvalidConfiguration`` for values that cannot work.
    public init(configuration: Configuration) throws {
        try Self.validate(configuration)
        self.configuration = configuration
    }

    /// Contributes the subscription that keeps the rollups and the report routes.
    public func activate(host: any PluginHost) async throws -> PluginContributions {
        let store = UsageStore(storage: host.storage, retention: .seconds(configuration.retentionDays * 86_400))
        let ingest = UsageIngest(store: store, configuration: configuration)
        let reports = UsageRoutes(store: store, configuration: configuration, now: host.now)
        let widget = WidgetRoutes(store: store, configuration: configuration, now: host.now, crypto: host.crypto,
                                  addressKey: try host.crypto.randomBytes(32))
        return PluginContributions(
            routes: [
                PluginRoute("GET", "/summary", access: .agent) { request in try await reports.summary(request) },
                PluginRoute("GET", "/export/daily.csv", access: .agent) { request in try await reports.daily(request) },
                PluginRoute("GET", "/export/conversations.csv", access: .agent) { request in try await reports.conversations(request) },
                PluginRoute("GET", "/export/widget.csv", access: .agent) { request in try await reports.widget(request) },
                PluginRoute("GET", "/settings", access: .public) { request in try widget.settings(request) },
                PluginRoute("POST", "/beacon", access: .public) { request in try await widget.beacon(request) },
            ],
            widgetModule: try WidgetModule(bundle: .module, script: "widget/module.js"),
            subscriptions: [
                // Large batches, after a gap in the traffic (or half a second): under a saturating
                // load ingestion lags a little and costs one write per batch (docs/performance.md).
                EventSubscription("usage", types: UsageIngest.loggedTypes, batchSize: 500, start: .oldestRetained) { batch in
                    await host.yieldToTraffic(upTo: .milliseconds(500))
                    try await ingest.ingest(batch)
                },
                // Erased, expired and cleaned-up conversations leave no reference behind (docs/privacy.md).
                EventSubscription.conversationDeletions("conversation-deletions") { deleted in
                    for conversation in deleted {
                        let placeholder = "erased-" + (try host.crypto.randomBytes(8)).lowercaseHex
                        try await store.forget(site: conversation.siteID, session: conversation.sessionID, placeholder: placeholder)
                        ingest.cache.forget(site: conversation.siteID, session: conversation.sessionID)
                    }
                },
            ])
    }
}
