import Foundation
import PluginDispatch

/// A clock that moves only when the test says so, for time-based code without sleeps (the
/// circuit breaker of ``HookHarness`` and ``HookPipeline``, for example).
///
/// ```swift
/// let clock = ManualClock()
/// let harness = try await HookHarness(plugins: [(Flaky.self, NoConfiguration())], clock: clock)
/// clock.advance(by: .seconds(31))
/// ```
///
/// Sleepers wake when ``advance(by:)`` reaches their deadline; a cancelled sleeper wakes at once
/// with `CancellationError`.
public final class ManualClock: Clock, Sendable {
    /// A point on a manual clock: the time advanced since the clock was made.
    public struct Instant: InstantProtocol, Sendable {
        /// Time since the clock's start.
        public var offset: Duration

        /// The instant `offset` after the clock's start.
        public init(offset: Duration) { self.offset = offset }

        /// The instant `duration` later.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }

        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration { other.offset - offset }

        /// Earlier instants come first.
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        let id: UUID
        let deadline: Instant
        let wake: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
    }
    private let state = Locked(State())

    /// A clock at its start (offset zero).
    public init() {}

    /// The current instant.
    public var now: Instant { state.withLock { $0.now } }

    /// Zero: the clock has no resolution of its own.
    public var minimumResolution: Duration { .zero }

    /// Moves the clock forward and wakes the sleepers whose deadline has come.
    public func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLock { s in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.wake.resume() }
    }

    /// Suspends until ``advance(by:)`` reaches `deadline` (returns at once if it has passed).
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (wake: CheckedContinuation<Void, any Error>) in
                let ready: Bool = state.withLock { s in
                    guard s.now < deadline, !Task.isCancelled else { return true }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, wake: wake))
                    return false
                }
                if ready { Task.isCancelled ? wake.resume(throwing: CancellationError()) : wake.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { s -> Sleeper? in
                guard let index = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: index)
            }
            cancelled?.wake.resume(throwing: CancellationError())
        }
    }
}
