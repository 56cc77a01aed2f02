import Synchronization
import SanctumServices

/// Counts open stream connections per client IP, to enforce the per-IP limit.
final class StreamCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Takes a slot for `ip` unless it already has `limit` open; returns whether it got one.
    func acquire(_ ip: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let current = counts[ip, default: 0]
            guard current < limit else { return false }
            counts[ip] = current + 1
            return true
        }
    }

    /// Gives back the slot of `ip`.
    func release(_ ip: String) {
        counts.withLock { counts in
            let left = counts[ip, default: 1] - 1
            counts[ip] = left > 0 ? left : nil
        }
    }

    /// Open connections in total.
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}
