import Foundation
import PluginAPI

/// The operator's view of webhooks (admin key only): the endpoints of a site with their
/// breakers, the deliveries with their attempt logs, and manual replay.
struct DeliveryRoutes: Sendable {
    let store: DeliveryStore
    let workers: [EndpointWorker]
    let now: @Sendable () -> Date

    var routes: [PluginRoute] {
        [
            PluginRoute("GET", "/deliveries", access: .admin) { request in try await list(request) },
            PluginRoute("GET", "/delivery", access: .admin) { request in try await show(request) },
            PluginRoute("POST", "/replay", access: .admin) { request in try await replay(request) },
        ]
    }

    /// `GET /plugins/notifications/deliveries?site_id=<site>[&state=pending|delivered|dead][&limit=N]`.
    func list(_ request: PluginRequest) async throws -> PluginResponse {
        let rawLimit = request.query["limit"]
        if let rawLimit, !(1...6).contains(rawLimit.count) || !rawLimit.allSatisfy({ ("0"..."9").contains($0) }) {
            return try .json(APIError(error: "limit must be a number"), status: 400)
        }
        let limit = min(max(Int(rawLimit ?? "") ?? 50, 1), 500)
        let state = request.query["state"]
        if let state, Delivery.State(rawValue: state) == nil {
            return try .json(APIError(error: "state must be pending, delivered or dead"), status: 400)
        }
        var endpoints: [EndpointView] = []
        var deliveries: [DeliveryView] = []
        for worker in workers where worker.endpoint.webhook.site == request.site.id {
            let all = try await store.all(endpoint: worker.endpoint.id, limit: 10_000)
            let breaker = worker.breakerStatus()
            endpoints.append(EndpointView(id: worker.endpoint.id, url: worker.endpoint.webhook.url, events: worker.endpoint.webhook.events,
                                          breaker: "\(breaker.mode)", consecutiveFailures: breaker.consecutiveFailures,
                                          pending: all.filter { $0.state == .pending }.count))
            deliveries += all.filter { state == nil || $0.state.rawValue == state }.map(DeliveryView.init)
        }
        deliveries.sort { ($0.queuedAt, $0.id) > ($1.queuedAt, $1.id) }
        return try .json(Success(data: DeliveryList(site: request.site.id, endpoints: endpoints, deliveries: Array(deliveries.prefix(limit)))))
    }

    /// `GET /plugins/notifications/delivery?id=<delivery id>`: one delivery with its body.
    func show(_ request: PluginRequest) async throws -> PluginResponse {
        guard let id = request.query["id"], let (_, delivery) = try await store.find(id: id) else {
            return try .json(APIError(error: "Delivery not found"), status: 404)
        }
        return try .json(Success(data: DeliveryDetail(delivery: DeliveryView(delivery), body: delivery.body)))
    }

    /// `POST /plugins/notifications/replay?id=<delivery id>` (or `{"id": …}`): queues it again now.
    func replay(_ request: PluginRequest) async throws -> PluginResponse {
        let bodyID = (try? JSONDecoder().decode([String: String].self, from: request.body))?["id"]
        guard let id = request.query["id"] ?? bodyID, let delivery = try await store.replay(id: id, now: now()) else {
            return try .json(APIError(error: "Delivery not found"), status: 404)
        }
        if let worker = workers.first(where: { $0.endpoint.id == delivery.endpoint }) {
            worker.noteQueued(DeliveryStore.PendingKey(delivery))
            worker.wake(forgetting: DeliveryStore.pendingKey(delivery))
        }
        return try .json(Success(data: DeliveryDetail(delivery: DeliveryView(delivery), body: nil)))
    }
}

/// `{"success": false, "error": …}`.
struct APIError: Encodable {
    var success = false
    var error: String
}

/// `{"success": true, "data": …}`, the admin API's envelope (the console reads `data`).
struct Success<Payload: Encodable>: Encodable {
    var success = true
    var data: Payload
}

/// An endpoint in the list answer.
struct EndpointView: Encodable {
    var id: String
    var url: String
    var events: [String]
    var breaker: String
    var consecutiveFailures: Int
    var pending: Int

    enum CodingKeys: String, CodingKey {
        case id, url, events, breaker, pending
        case consecutiveFailures = "consecutive_failures"
    }
}

/// The list answer.
struct DeliveryList: Encodable {
    var site: String
    var endpoints: [EndpointView]
    var deliveries: [DeliveryView]
}

/// One delivery and, for `GET /delivery`, the body it sends.
struct DeliveryDetail: Encodable {
    var delivery: DeliveryView
    var body: String?
}

/// A delivery as the admin API shows it (times in ISO 8601, snake_case keys).
struct DeliveryView: Encodable {
    struct AttemptView: Encodable {
        var at: String
        var status: Int?
        var latencyMs: Double
        var error: String?

        enum CodingKeys: String, CodingKey {
            case at, status, error
            case latencyMs = "latency_ms"
        }
    }

    var id: String
    var eventID: String
    var type: String
    var site: String
    var conversationID: String
    var endpoint: String
    var state: String
    var queuedAt: String
    var nextAttemptAt: String?
    var attemptCount: Int
    var attempts: [AttemptView]

    enum CodingKeys: String, CodingKey {
        case id, type, site, endpoint, state, attempts
        case eventID = "event_id", conversationID = "conversation_id", queuedAt = "queued_at"
        case nextAttemptAt = "next_attempt_at", attemptCount = "attempt_count"
    }

    init(_ delivery: Delivery) {
        id = delivery.id
        eventID = delivery.eventID
        type = delivery.type
        site = delivery.site
        conversationID = delivery.conversation
        endpoint = delivery.endpoint
        state = delivery.state.rawValue
        queuedAt = WebhookEvent.timestamp(delivery.queuedAt)
        nextAttemptAt = delivery.state == .pending ? WebhookEvent.timestamp(delivery.nextAttemptAt) : nil
        attemptCount = delivery.attemptCount
        attempts = delivery.attempts.map {
            AttemptView(at: WebhookEvent.timestamp($0.at), status: $0.status, latencyMs: $0.latencyMs, error: $0.error)
        }
    }
}
