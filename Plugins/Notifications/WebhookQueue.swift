import Foundation
import PluginAPI

/// Turns logged events into queued deliveries, one per interested endpoint of the event's site.
/// Idempotent: a batch handed over again (after a crash) queues nothing twice.
struct WebhookQueue: Sendable {
    /// The event-log types webhooks carry.
    static let loggedTypes: Set<String> = ["message", "reply", "read", "plugin"]

    let store: DeliveryStore
    let workers: [EndpointWorker]
    let now: @Sendable () -> Date

    /// Queues the deliveries of `batch` and wakes the endpoints that got some.
    func enqueue(_ batch: [LoggedEvent]) async throws {
        var touched = Set<String>()
        for logged in batch {
            let endpoints = workers.filter { $0.endpoint.webhook.site == logged.siteID }
            guard !endpoints.isEmpty else { continue }
            var announce = false
            if logged.type == "message" { announce = try await !store.hasSeen(site: logged.siteID, session: logged.sessionID) }
            for event in WebhookEvent.events(from: logged, firstOfConversation: announce) {
                for worker in endpoints where worker.endpoint.webhook.wants(event.type) {
                    let delivery = Delivery(event: event, endpoint: worker.endpoint.id, now: now())
                    if try await store.enqueue(delivery) { worker.noteQueued(DeliveryStore.PendingKey(delivery)) }
                    touched.insert(worker.endpoint.id)
                }
            }
            if announce { try await store.markSeen(site: logged.siteID, session: logged.sessionID) }
        }
        for worker in workers where touched.contains(worker.endpoint.id) { worker.wake() }
    }
}
