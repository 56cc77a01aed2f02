import Synchronization

/// Open connections per client address, for a per-address cap (connections, visitor streams,
/// agent streams: one instance each).
final class AddressSlots: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Takes a slot for `address` unless it already holds `limit`; returns whether it got one.
    func acquire(_ address: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let current = counts[address, default: 0]
            guard current < limit else { return false }
            counts[address] = current + 1
            return true
        }
    }

    /// Gives back a slot of `address`.
    func release(_ address: String) {
        counts.withLock { counts in
            let left = counts[address, default: 1] - 1
            counts[address] = left > 0 ? left : nil
        }
    }

    /// Slots taken in total.
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}
