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

    /// Queues the deliveries of `batch` in one storage write and wakes the endpoints that got some.
    func enqueue(_ batch: [LoggedEvent]) async throws {
        var deliveries: [Delivery] = []
        var announced: [(site: String, session: String)] = []
        var announcedHere = Set<String>()
        for logged in batch {
            let endpoints = workers.filter { $0.endpoint.webhook.site == logged.siteID }
            guard !endpoints.isEmpty else { continue }
            var announce = false
            if logged.type == "message", announcedHere.insert("\(logged.siteID)\n\(logged.sessionID)").inserted {
                announce = try await !store.hasSeen(site: logged.siteID, session: logged.sessionID)
                if announce { announced.append((logged.siteID, logged.sessionID)) }
            }
            for event in WebhookEvent.events(from: logged, firstOfConversation: announce) {
                for worker in endpoints where worker.endpoint.webhook.wants(event.type) {
                    deliveries.append(Delivery(event: event, endpoint: worker.endpoint.id, now: now()))
                }
            }
        }
        let queued = try await store.enqueue(deliveries, announced: announced)
        var touched = Set<String>()
        for delivery in queued {
            guard let worker = workers.first(where: { $0.endpoint.id == delivery.endpoint }) else { continue }
            worker.noteQueued(DeliveryStore.PendingKey(delivery))
            touched.insert(worker.endpoint.id)
        }
        for worker in workers where touched.contains(worker.endpoint.id) { worker.wake() }
    }
}
