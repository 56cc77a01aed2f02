import Foundation

/// When a failing plugin is switched off, and for how long.
public struct CircuitBreakerPolicy: Sendable, Equatable {
    /// Consecutive failures (throws or missed budgets) that switch a plugin off.
    public var failureThreshold: Int
    /// How long it stays off before it is tried again.
    public var coolDown: Duration

    /// The server's policy: off for 30 s after 5 failures in a row.
    public init(failureThreshold: Int = 5, coolDown: Duration = .seconds(30)) {
        self.failureThreshold = failureThreshold
        self.coolDown = coolDown
    }
}

/// The per-plugin failure counters and switch-off times of one pipeline.
///
/// Time is read from an injected clock as the duration since the breaker was made, so any
/// `Clock` whose duration is `Duration` works and tests move time instead of sleeping. The clock
/// is read only when a plugin is switched off or while it is off: the healthy path costs no read.
final class CircuitBreaker: Sendable {
    private struct State {
        var consecutiveFailures = 0
        var offUntil: Duration?
    }

    let policy: CircuitBreakerPolicy
    private let elapsed: @Sendable () -> Duration
    private let states = Locked<[String: State]>([:])

    init<C: Clock>(policy: CircuitBreakerPolicy, clock: C) where C.Duration == Duration {
        self.policy = policy
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
    }

    /// Whether `id` is switched off now.
    func isOpen(_ id: String) -> Bool {
        guard let offUntil = states.withLock({ $0[id]?.offUntil }) else { return false }
        return elapsed() < offUntil
    }

    /// A hook of `id` succeeded: its failure count starts again.
    func recordSuccess(_ id: String) {
        states.withLock { all in
            guard all[id] != nil else { return }
            all[id] = nil
        }
    }

    /// A hook of `id` failed; returns whether that switched the plugin off.
    func recordFailure(_ id: String) -> Bool {
        states.withLock { all in
            var state = all[id] ?? State()
            defer { all[id] = state }
            state.consecutiveFailures += 1
            guard state.consecutiveFailures >= policy.failureThreshold else { return false }
            state.consecutiveFailures = 0
            state.offUntil = elapsed() + policy.coolDown
            return true
        }
    }
}
