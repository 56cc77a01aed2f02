import Foundation

/// One endpoint's circuit breaker: after `threshold` consecutive failed attempts it opens and
/// the endpoint gets nothing for `cooldown`; then it is half-open: one probe at a time goes out,
/// and its answer closes the breaker or opens it again. The endpoint's deliveries wait (without
/// spending attempts); other endpoints never notice.
struct EndpointBreaker: Sendable {
    /// What the breaker lets through now.
    enum Mode: Equatable {
        /// Everything, up to the endpoint's in-flight limit.
        case closed
        /// One probe at a time.
        case halfOpen
        /// Nothing.
        case open
    }

    let threshold: Int
    let cooldown: TimeInterval
    private(set) var consecutiveFailures = 0
    private(set) var openUntil: Date?

    init(threshold: Int, cooldown: TimeInterval) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    /// The mode at `now`.
    func mode(at now: Date) -> Mode {
        guard let openUntil else { return .closed }
        return now < openUntil ? .open : .halfOpen
    }

    /// Counts an attempt's outcome: a success closes the breaker, the `threshold`-th failure in a
    /// row (and every one after it) opens it for `cooldown` from `now`.
    mutating func record(success: Bool, at now: Date) {
        if success {
            consecutiveFailures = 0
            openUntil = nil
        } else {
            consecutiveFailures += 1
            if consecutiveFailures >= threshold { openUntil = now.addingTimeInterval(cooldown) }
        }
    }
}
