import Foundation
import PluginAPI
import Synchronization

/// Visitor alerts in the widget (a widget module: one chime across the visitor's tabs, browser
/// notifications, the unread count in the title) and operator webhooks: every site's conversation events, signed, to the site's endpoints — at
/// least once, from the durable event log through the plugin's own cursor, retried with
/// backoff for up to a day, in order per conversation, behind a breaker per endpoint, with an
/// attempt log and manual replay for the operator (`docs/plugins/notifications.md`).
public struct Notifications: Plugin {
    /// Id `notifications`; it reads the event log, keeps its queue in storage, sends HTTP and
    /// serves the admin routes.
    public static let descriptor = PluginDescriptor(
        id: "notifications", version: "1.1.0", minimumAPIVersion: PluginAPIVersion(2, 4),
        capabilities: [.subscribeEvents, .storage, .outboundHTTP, .routes, .widgetModule],
        summary: "Visitor alerts in the widget (one chime across tabs, browser notifications, title count) and signed operator webhooks with retries, a breaker per endpoint and an attempt log")

    let configuration: Configuration
    /// The workers made at activation, run by ``run(host:)``.
    private let workers = WorkerList()

    /// The plugin for `configuration`; throws ``InvalidConfiguration`` for values that cannot work.
    public init(configuration: Configuration) throws {
        try Self.validate(configuration)
        self.configuration = configuration
    }

    /// Makes one worker per endpoint and contributes the subscription that queues deliveries and
    /// the admin routes.
    public func activate(host: any PluginHost) async throws -> PluginContributions {
        let store = DeliveryStore(storage: host.storage, logRetention: .seconds(configuration.logRetentionDays * 86_400))
        let settings = DeliverySettings(
            maxInFlight: configuration.maxInFlight, timeout: .seconds(configuration.timeoutSeconds),
            schedule: RetrySchedule(first: configuration.firstRetrySeconds, maximum: configuration.maxRetryIntervalSeconds,
                                    window: configuration.retryForHours * 3600),
            breakerFailures: configuration.breakerFailures, breakerCooldown: configuration.breakerCooldownSeconds,
            instance: try host.crypto.randomBytes(8).lowercaseHex)
        let endpoints = try configuration.webhooks.map { webhook in
            let digest = try host.crypto.sha256(Data("\(webhook.site)\n\(webhook.url)".utf8)).lowercaseHex
            return EndpointWorker(endpoint: Endpoint(id: String(digest.prefix(12)), webhook: webhook, url: URL(string: webhook.url)!),
                                  host: host, store: store, settings: settings)
        }
        workers.list.withLock { $0 = endpoints }
        let queue = WebhookQueue(store: store, workers: endpoints, now: host.now)
        return PluginContributions(
            routes: DeliveryRoutes(store: store, workers: endpoints, now: host.now).routes + [Self.visitorOptionsRoute(configuration)],
            widgetModule: try Self.widgetModule(configuration),
            subscriptions: [
                EventSubscription("webhooks", types: WebhookQueue.loggedTypes, batchSize: 100, start: .newest) { batch in
                    await host.yieldToTraffic(upTo: DeliverySettings.yieldAtMost)
                    try await queue.enqueue(batch)
                },
            ])
    }

    /// Sends every endpoint's deliveries until the server stops.
    public func run(host: any PluginHost) async throws {
        let endpoints = workers.list.withLock { $0 }
        await withDiscardingTaskGroup { group in
            for worker in endpoints { group.addTask { await worker.run() } }
        }
    }
}

extension Notifications {
    /// The endpoints' workers (tests drive them with ``sendDue()`` instead of ``run(host:)``).
    var endpointWorkers: [EndpointWorker] { workers.list.withLock { $0 } }

    /// Starts every due delivery that may go now and waits for their attempts: one round of
    /// what ``run(host:)`` does continuously. Returns how many attempts were made.
    @discardableResult
    func sendDue() async -> Int {
        await withTaskGroup(of: Int.self) { group in
            for worker in endpointWorkers {
                group.addTask {
                    let started = await worker.startDue()
                    await withDiscardingTaskGroup { attempts in
                        for (key, delivery) in started { attempts.addTask { await worker.attempt(key: key, delivery) } }
                    }
                    return started.count
                }
            }
            return await group.reduce(0, +)
        }
    }
}

/// The workers one activation made (a class, so the plugin value stays copyable).
final class WorkerList: Sendable {
    let list = Mutex<[EndpointWorker]>([])
}
