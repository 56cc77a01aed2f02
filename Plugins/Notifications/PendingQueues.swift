import Foundation

/// An endpoint's pending deliveries in memory, one queue per conversation, each oldest first:
/// the worker starts the head of every conversation that has nothing in flight.
struct PendingQueues: Sendable {
    private var queues: [String: [DeliveryStore.PendingKey]] = [:]

    /// No pending deliveries.
    init() {}

    /// The deliveries `keys` lists (in any order).
    init(_ keys: [DeliveryStore.PendingKey]) {
        for key in keys.sorted(by: { $0.position < $1.position }) { queues[key.conversation, default: []].append(key) }
    }

    /// Adds `key` in its place (nothing if it is there already).
    mutating func insert(_ key: DeliveryStore.PendingKey) {
        var queue = queues[key.conversation, default: []]
        guard !queue.contains(key) else { return }
        let index = queue.lastIndex { $0.position < key.position }.map { $0 + 1 } ?? 0
        queue.insert(key, at: index)
        queues[key.conversation] = queue
    }

    /// Drops `key` (delivered or dead).
    mutating func remove(_ key: DeliveryStore.PendingKey) {
        guard var queue = queues[key.conversation] else { return }
        queue.removeAll { $0 == key }
        queues[key.conversation] = queue.isEmpty ? nil : queue
    }

    /// The oldest pending delivery of each conversation not in `busy` that `isReady` accepts,
    /// oldest first, at most `limit` of them: one pass over the conversations keeping the
    /// `limit` oldest, so a round costs no sort of the whole queue.
    func heads(excluding busy: Set<String>, limit: Int, where isReady: (DeliveryStore.PendingKey) -> Bool = { _ in true }) -> [DeliveryStore.PendingKey] {
        guard limit > 0 else { return [] }
        var oldest: [DeliveryStore.PendingKey] = []
        for (conversation, queue) in queues {
            guard let head = queue.first, !busy.contains(conversation), isReady(head) else { continue }
            if oldest.count == limit {
                guard head.position < oldest[limit - 1].position else { continue }
                oldest.removeLast()
            }
            let index = oldest.firstIndex { head.position < $0.position } ?? oldest.endIndex
            oldest.insert(head, at: index)
        }
        return oldest
    }

    /// How many deliveries are pending.
    var count: Int { queues.values.reduce(0) { $0 + $1.count } }
}
