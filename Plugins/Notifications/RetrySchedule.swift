import Foundation

/// When a failed delivery is tried again: `first_retry_seconds` doubled after each failure up to
/// `max_retry_interval_seconds`, with "equal jitter" (half the wait fixed, half random) so
/// deliveries that failed together do not come back together; dead once the next attempt would
/// fall past `retry_for_hours` after queueing.
struct RetrySchedule: Sendable {
    var first: TimeInterval
    var maximum: TimeInterval
    var window: TimeInterval

    /// The wait after the `failures`-th consecutive failure, `jitter` in 0…1 choosing within the random half.
    func delay(afterFailures failures: Int, jitter: Double) -> TimeInterval {
        let exponential = min(first * pow(2, Double(min(max(failures - 1, 0), 40))), maximum)
        return exponential / 2 + exponential / 2 * min(max(jitter, 0), 1)
    }

    /// The next attempt of a delivery queued at `queuedAt` after `failures` failures, or `nil`:
    /// dead-letter it.
    func nextAttempt(queuedAt: Date, failures: Int, now: Date, jitter: Double) -> Date? {
        let next = now.addingTimeInterval(delay(afterFailures: failures, jitter: jitter))
        return next.timeIntervalSince(queuedAt) > window ? nil : next
    }
}
