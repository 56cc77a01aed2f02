import Foundation
import PluginAPI
import Synchronization

/// A configured receiver as the plugin knows it.
struct Endpoint: Sendable {
    /// The first 12 hex digits of SHA-256(site, newline, URL): stable across restarts and instances.
    var id: String
    var webhook: Notifications.Webhook
    var url: URL
}

/// What every worker needs to send: limits, the retry schedule and this instance's name.
struct DeliverySettings: Sendable {
    var maxInFlight: Int
    var timeout: Duration
    var schedule: RetrySchedule
    var breakerFailures: Int
    var breakerCooldown: TimeInterval
    /// Names this server instance in delivery claims.
    var instance: String
    /// Largest answer read from a receiver (the rest is never read).
    static let maxResponseBytes = 16 * 1024
    /// How often a worker looks for due retries when nothing rings.
    static let poll: Duration = .seconds(1)
    /// Longest a round of deliveries waits for a gap in the server's chat traffic: on a saturated
    /// server deliveries go on at a few rounds a second instead of taking time from the chat.
    static let yieldAtMost: Duration = .milliseconds(250)
    /// How often a worker reads its whole queue from storage again (seconds).
    static let rescan: TimeInterval = 30
}

/// Sends one endpoint's deliveries: the oldest pending delivery of each conversation (so a
/// conversation's events arrive in order), at most `max_in_flight` at once, behind the
/// endpoint's breaker. Each endpoint has its own worker, so a dead receiver delays only itself.
final class EndpointWorker: Sendable {
    let endpoint: Endpoint
    let host: any PluginHost
    let store: DeliveryStore
    let settings: DeliverySettings
    let doorbell = Doorbell()

    private struct State {
        /// Conversations with a delivery in flight.
        var inFlight: Set<String> = []
        var breaker: EndpointBreaker
        /// Pending keys known not to be due before a time (saves reading them every poll).
        var notBefore: [String: Date] = [:]
        /// The pending deliveries per conversation, oldest first: read from storage at start and
        /// every ``DeliverySettings/rescan``, kept up to date by ``noteQueued(_:)`` in between, so
        /// a round costs one step per conversation instead of a listing of the whole queue.
        var queues = PendingQueues()
        var lastScan: Date?
    }
    private let state: Mutex<State>

    init(endpoint: Endpoint, host: any PluginHost, store: DeliveryStore, settings: DeliverySettings) {
        self.endpoint = endpoint
        self.host = host
        self.store = store
        self.settings = settings
        state = Mutex(State(breaker: EndpointBreaker(threshold: settings.breakerFailures, cooldown: settings.breakerCooldown)))
    }

    /// The breaker's mode and failures in a row (for the admin API).
    func breakerStatus() -> (mode: EndpointBreaker.Mode, consecutiveFailures: Int) {
        let now = host.now()
        return state.withLock { ($0.breaker.mode(at: now), $0.breaker.consecutiveFailures) }
    }

    /// Makes the delivery at `key` due at once here (after a replay) and wakes the worker.
    func wake(forgetting key: String? = nil) {
        if let key { state.withLock { _ = $0.notBefore.removeValue(forKey: key) } }
        doorbell.ring()
    }

    /// Sends until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                await host.yieldToTraffic(upTo: DeliverySettings.yieldAtMost)
                for (key, delivery) in await startDue() {
                    group.addTask { await self.attempt(key: key, delivery) }
                }
                await doorbell.wait(upTo: DeliverySettings.poll)
            }
        }
    }

    /// Records a delivery queued by this instance (or replayed) so the next round sees it.
    func noteQueued(_ key: DeliveryStore.PendingKey) {
        state.withLock { $0.queues.insert(key) }
    }

    /// Claims the due deliveries that may go now and marks their conversations in flight. The
    /// heads are read first (off the database's writer: what is not due is remembered in
    /// `notBefore`, what is finished is forgotten), then the free ones are claimed in one write.
    func startDue() async -> [(String, Delivery)] {
        let now = host.now()
        await rescanIfStale(now: now)
        let (slots, heads) = state.withLock { state in
            let mode = state.breaker.mode(at: now)
            let slots = (mode == .closed ? settings.maxInFlight : (mode == .halfOpen ? 1 : 0)) - state.inFlight.count
            // Twice the free slots: some heads read below may turn out not due yet.
            return (slots, state.queues.heads(excluding: state.inFlight, limit: slots * 2) { (state.notBefore[$0.key] ?? .distantPast) <= now })
        }
        var free: [DeliveryStore.PendingKey] = []
        for head in heads where free.count < slots {
            guard let stored = try? await store.storage.value(for: head.key) else { continue }
            guard let delivery = Delivery.decode(stored) else {
                state.withLock { _ = $0.queues.remove(head) }  // finished elsewhere
                continue
            }
            if delivery.isFree(for: settings.instance, at: now) {
                free.append(head)
            } else {
                state.withLock { $0.notBefore[head.key] = delivery.freeAt(for: settings.instance) }
            }
        }
        guard !free.isEmpty else { return [] }
        let until = now.addingTimeInterval(TimeInterval(settings.timeout.components.seconds) + 5)
        guard let outcomes = try? await store.claim(free.map(\.key), owner: settings.instance, now: now, until: until) else { return [] }
        var started: [(String, Delivery)] = []
        state.withLock { state in
            for (head, outcome) in zip(free, outcomes) {
                switch outcome {
                case .claimed(let delivery):
                    state.inFlight.insert(head.conversation)
                    started.append((head.key, delivery))
                case .gone: state.queues.remove(head)
                case .notBefore(let date): state.notBefore[head.key] = date
                }
            }
        }
        return started
    }

    /// Reads the pending keys from storage when they were never read or not for a while (other
    /// instances queue and finish deliveries too).
    private func rescanIfStale(now: Date) async {
        let due = state.withLock { $0.lastScan.map { now.timeIntervalSince($0) >= DeliverySettings.rescan } ?? true }
        guard due, let pending = try? await store.pending(endpoint: endpoint.id) else { return }
        state.withLock {
            $0.queues = PendingQueues(pending)
            $0.lastScan = now
        }
    }

    /// Sends `delivery` once and records the outcome.
    func attempt(key: String, _ delivery: Delivery) async {
        let attempt = await send(delivery)
        let success = attempt.status.map { (200..<300).contains($0) } ?? false
        let now = host.now()
        state.withLock { $0.breaker.record(success: success, at: now) }
        var finished = success
        do {
            if success {
                try await store.finish(key, delivery, as: .delivered, after: attempt)
            } else {
                let failures = delivery.attempts.filter { $0.at >= delivery.queuedAt }.count + 1
                if let next = settings.schedule.nextAttempt(queuedAt: delivery.queuedAt, failures: failures, now: now, jitter: .random(in: 0...1)) {
                    try await store.retry(key, after: attempt, nextAttemptAt: next)
                    state.withLock { $0.notBefore[key] = next }
                } else {
                    finished = true
                    try await store.finish(key, delivery, as: .dead, after: attempt)
                    host.log(.warning, "webhook delivery \(delivery.id) dead-lettered after \(delivery.attemptCount + 1) attempts",
                             metadata: ["endpoint": endpoint.id, "site": delivery.site, "error": attempt.error ?? ""])
                }
            }
        } catch {
            finished = false  // still pending in storage: its lease runs out and it goes again
            host.log(.error, "webhook delivery \(delivery.id) could not be recorded (it will be sent again): \(error)")
        }
        let pending = DeliveryStore.PendingKey(key: key, position: delivery.position, conversation: delivery.conversation)
        state.withLock {
            $0.inFlight.remove(delivery.conversation)
            if finished {
                $0.notBefore[key] = nil
                $0.queues.remove(pending)
            }
        }
        doorbell.ring()
    }

    /// One signed POST of the delivery's body; what came back (or failed) and how long it took.
    private func send(_ delivery: Delivery) async -> Delivery.Attempt {
        let startedAt = host.now()
        let clock = ContinuousClock()
        let start = clock.now
        var status: Int?
        var failure: String?
        do {
            let body = Data(delivery.body.utf8)
            let signature = try WebhookSignature(crypto: host.crypto).header(body: body, secrets: endpoint.webhook.signingSecrets(at: startedAt),
                                                                             at: startedAt)
            let request = PluginHTTPRequest(method: "POST", url: endpoint.url, headers: [
                "content-type": "application/json",
                "user-agent": "Sanctum-Webhooks/\(Notifications.descriptor.version)",
                "sanctum-signature": signature,
                "sanctum-delivery": delivery.id,
                "sanctum-event": delivery.type,
            ], body: body, timeout: settings.timeout, maxResponseBytes: DeliverySettings.maxResponseBytes)
            let response = try await host.http.send(request)
            status = response.status
            if !(200..<300).contains(response.status) { failure = "HTTP \(response.status)" }
        } catch {
            failure = "\(error)"
        }
        let elapsed = clock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return Delivery.Attempt(at: startedAt, status: status, latencyMs: (milliseconds * 100).rounded() / 100, error: failure)
    }
}
