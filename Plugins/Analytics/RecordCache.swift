import Foundation
import Synchronization

/// The conversation records this process stored last, so a batch reads from the store only the
/// conversations it has not seen recently (under a steady load most events continue a
/// conversation of the previous batches). Valid only while the store's `applied` is what this
/// process wrote: when another instance took the subscription over, or anything else moved it,
/// the cache is emptied. Bounded: past ``limit`` records it starts again empty.
final class RecordCache: Sendable {
    /// The most records kept.
    static let limit = 20_000

    private struct State {
        var appliedThrough: Int64?
        var records: [String: ConversationRecord] = [:]
    }
    private let state = Mutex(State())

    /// The cached records if the store's `applied` is `storedApplied` (what this process wrote
    /// last); otherwise empties the cache and answers none.
    func records(ifAppliedThrough storedApplied: Int64) -> [String: ConversationRecord] {
        state.withLock { state in
            guard state.appliedThrough == storedApplied else {
                state = State()
                return [:]
            }
            return state.records
        }
    }

    /// Remembers the records a batch stored, with the `applied` id it stored.
    func remember(_ stored: [ConversationRecord], appliedThrough: Int64) {
        state.withLock { state in
            if state.records.count + stored.count > Self.limit { state.records.removeAll(keepingCapacity: true) }
            for record in stored { state.records[UsageStore.conversationKey(site: record.site, session: record.session)] = record }
            state.appliedThrough = appliedThrough
        }
    }

    /// Forgets one conversation (its record was deleted from the store).
    func forget(site: String, session: String) {
        _ = state.withLock { $0.records.removeValue(forKey: UsageStore.conversationKey(site: site, session: session)) }
    }
}
