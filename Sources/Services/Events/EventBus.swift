import Foundation
import PluginDispatch
import Synchronization

/// Fans committed events out to subscribers in commit order.
///
/// ``publish(_:)`` runs right after each commit (on SQLite's writer thread; on PostgreSQL also
/// for other instances' commits, read from the shared log), so it never blocks: every subscriber has a bounded buffer, and a subscriber that falls ``bufferLimit``
/// events behind is cut off (its stream ends with ``Subscription/overflowed`` set). It then
/// reconnects with its last event id and replays from the store: memory stays bounded and
/// nothing is lost.
public final class EventBus: Sendable {
    /// Events a subscriber may have waiting before it is cut off.
    public static let bufferLimit = 1000
    /// The (finished) stream of subscriptions that take their events through a closure.
    static let noEvents = AsyncStream<ChatEvent> { $0.finish() }

    /// One subscriber's view.
    public final class Subscription: Sendable {
        /// The events, in commit order (always empty for a subscription with a `deliver` closure).
        public let events: AsyncStream<ChatEvent>
        let continuation: AsyncStream<ChatEvent>.Continuation?
        /// Takes each event instead of the stream; `false` cuts the subscriber off.
        let deliver: (@Sendable (ChatEvent) -> Bool)?
        let id: Int
        let scope: EventScope
        private let overflow = Mutex(false)

        init(id: Int, scope: EventScope, deliver: (@Sendable (ChatEvent) -> Bool)?) {
            self.id = id
            self.scope = scope
            self.deliver = deliver
            if deliver == nil {
                let (events, continuation) = AsyncStream.makeStream(of: ChatEvent.self, bufferingPolicy: .bufferingOldest(EventBus.bufferLimit))
                (self.events, self.continuation) = (events, continuation)
            } else {
                (events, continuation) = (EventBus.noEvents, nil)
            }
        }

        /// Hands `event` over; `false` when the subscriber is too far behind.
        func offer(_ event: ChatEvent) -> Bool {
            if let deliver { return deliver(event) }
            if case .dropped = continuation?.yield(event) { return false }
            return true
        }

        /// Whether the stream ended because the subscriber fell too far behind.
        public var overflowed: Bool { overflow.withLock { $0 } }

        func markOverflowed() { overflow.withLock { $0 = true } }
    }

    private struct State {
        var nextID = 0
        var bySession: [String: [Int: Subscription]] = [:]
        var bySite: [String: [Int: Subscription]] = [:]
        var all: [Int: Subscription] = [:]
        var count = 0
    }
    private let state = Mutex(State())
    /// Keeps long-poll deadlines; `nil` is the real clock (the watchdog of `Deadline`).
    private let sleep: (@Sendable (Duration) async -> Void)?

    /// A bus whose long-polls time out on the real clock.
    public init() {
        sleep = nil
    }

    /// A bus whose long-poll deadlines pass when `sleep` returns (tests hand in a timer they fire).
    public init(sleep: @escaping @Sendable (Duration) async -> Void) {
        self.sleep = sleep
    }

    /// Subscribers currently connected.
    public var subscriberCount: Int { state.withLock { $0.count } }

    /// Starts receiving events in `scope`. Call ``unsubscribe(_:)`` when done.
    ///
    /// With `deliver`, each event is handed to it instead of ``Subscription/events``, on the
    /// publishing thread and under the bus's lock: it must only enqueue (no task of the
    /// subscriber waits while idle). Returning `false` cuts the subscriber off as an overflow.
    public func subscribe(_ scope: EventScope, deliver: (@Sendable (ChatEvent) -> Bool)? = nil) -> Subscription {
        state.withLock { s in
            s.nextID += 1
            let subscription = Subscription(id: s.nextID, scope: scope, deliver: deliver)
            switch scope {
            case .session(let id, _): s.bySession[id, default: [:]][subscription.id] = subscription
            case .site(let id): s.bySite[id, default: [:]][subscription.id] = subscription
            case .all: s.all[subscription.id] = subscription
            }
            s.count += 1
            return subscription
        }
    }

    /// Stops a subscription and ends its stream.
    public func unsubscribe(_ subscription: Subscription) {
        remove(subscription)
        subscription.continuation?.finish()
    }

    /// Delivers committed events to every subscriber whose scope contains them.
    public func publish(_ events: [ChatEvent]) {
        var overflowed: [Subscription] = []
        state.withLock { s in
            for event in events {
                let sessionTargets = (s.bySession[event.sessionID] ?? [:]).values.filter { $0.scope.contains(event) }
                let targets = sessionTargets + Array((s.bySite[event.siteID] ?? [:]).values) + Array(s.all.values)
                for subscriber in targets {
                    if !subscriber.offer(event) { overflowed.append(subscriber) }
                }
            }
        }
        for subscriber in overflowed {
            subscriber.markOverflowed()
            unsubscribe(subscriber)
        }
    }

    private func remove(_ subscription: Subscription) {
        state.withLock { s in
            let removed: Subscription?
            switch subscription.scope {
            case .session(let id, _):
                removed = s.bySession[id]?.removeValue(forKey: subscription.id)
                if s.bySession[id]?.isEmpty == true { s.bySession[id] = nil }
            case .site(let id):
                removed = s.bySite[id]?.removeValue(forKey: subscription.id)
                if s.bySite[id]?.isEmpty == true { s.bySite[id] = nil }
            case .all:
                removed = s.all.removeValue(forKey: subscription.id)
            }
            if removed != nil { s.count -= 1 }
        }
    }

    /// Subscribes to `scope`, then runs `check` (a store query); if it finds nothing, waits until
    /// an event matching `filter` is published or `timeout` passes. Subscribing first means an
    /// event committed between the check and the wait still wakes the waiter. Returns whether
    /// there is something to fetch.
    public func wait(in scope: EventScope, timeout: Duration, matching filter: @escaping @Sendable (ChatEvent) -> Bool = { _ in true },
                     afterSubscribing check: @Sendable () async throws -> Bool) async throws -> Bool {
        let subscription = subscribe(scope)
        defer { unsubscribe(subscription) }
        if try await check() { return true }
        let events = subscription.events
        let arrival: @Sendable () async -> Bool = {
            for await event in events where filter(event) { return true }
            return false
        }
        guard let sleep else {
            if case .value(let arrived) = await Deadline.run(within: timeout, arrival) { return arrived }
            return false
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await arrival() }
            group.addTask {
                await sleep(timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
