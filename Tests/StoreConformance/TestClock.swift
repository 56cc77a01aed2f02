import Foundation
import Synchronization

/// A clock the test moves by hand, so time-based rules are tested without sleeping.
public final class TestClock: Sendable {
    private let current: Mutex<Date>

    /// A clock reading `start` (by default a fixed date far from today).
    public init(start: Date = Date(timeIntervalSince1970: 1_900_000_000)) {
        current = Mutex(start)
    }

    /// The time now.
    public var now: Date { current.withLock { $0 } }

    /// Moves the clock forward by `seconds`.
    public func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

    /// The clock in the shape the services and the server take.
    public var read: @Sendable () -> Date { { [self] in now } }
}
