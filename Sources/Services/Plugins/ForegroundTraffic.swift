import Foundation
import Synchronization

/// How many visitor and agent requests the server is answering right now, so background work
/// (plugins' ``PluginAPI/PluginHost/yieldToTraffic(upTo:)``) can run in the gaps. The HTTP
/// layer counts every request; a long-poll stops counting while it waits for events.
package final class ForegroundTraffic: Sendable {
    private let active = Atomic<Int>(0)
    /// When a request last started or ended (nanoseconds on a monotonic clock).
    private let lastChange = Atomic<Int64>(0)
    /// How often a waiter looks again while requests are in flight. Each look wakes a task on
    /// the concurrency pool that also answers the requests: at 2 ms, three waiting plugin tasks
    /// woke 1,500 times a second under a saturating load, which cost the chat more than the
    /// plugins' work itself (docs/performance.md, "Analytics ingestion").
    static let busyRecheck: Duration = .milliseconds(25)
    /// How long no request must have been in flight for the server to count as quiet: a
    /// saturating client leaves gaps of microseconds between requests, a server with spare
    /// capacity gaps of milliseconds.
    static let quietFor: Int64 = 4_000_000

    /// No request in flight.
    package init() {}

    /// A request started (or a waiting long-poll woke up).
    package func begin() {
        active.add(1, ordering: .relaxed)
        lastChange.store(Self.nanoseconds(), ordering: .relaxed)
    }

    /// A request finished (or a long-poll started waiting).
    package func end() {
        active.subtract(1, ordering: .relaxed)
        lastChange.store(Self.nanoseconds(), ordering: .relaxed)
    }

    /// Requests in flight now.
    package var inFlight: Int { active.load(ordering: .relaxed) }

    /// Whether no request has been in flight for ``quietFor``.
    package var isQuiet: Bool {
        inFlight <= 0 && Self.nanoseconds() - lastChange.load(ordering: .relaxed) >= Self.quietFor
    }

    /// Returns when the server is quiet, or after `maximum`, or when the task is cancelled.
    package func waitForQuiet(upTo maximum: Duration) async {
        let deadline = ContinuousClock.now + maximum
        while !Task.isCancelled {
            let sinceChange = Self.nanoseconds() - lastChange.load(ordering: .relaxed)
            let idle = inFlight <= 0
            if idle && sinceChange >= Self.quietFor { return }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            // Nothing in flight: sleep out the rest of the quiet period; requests in flight: look later.
            let step: Duration = idle ? .nanoseconds(Self.quietFor - sinceChange) : Self.busyRecheck
            try? await Task.sleep(for: min(step, left))
        }
    }

    private static func nanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
