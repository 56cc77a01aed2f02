import Foundation
import PluginAPI

/// Turns batches of logged `message` and `reply` events into conversation records and hourly
/// rollups. Idempotent under the subscription's at-least-once delivery: events at or below the
/// stored `applied` id are skipped, and a batch's changes, `applied` included, are stored in one
/// atomic write. (Version 1.2.0 journaled a batch before storing it; such a journal, left by a
/// crash before an upgrade, is applied first.)
struct UsageIngest: Sendable {
    /// The event-log types analytics reads.
    static let loggedTypes: Set<String> = ["message", "reply"]

    let store: UsageStore
    let configuration: Analytics.Configuration
    /// The records of recent batches, read from the store only on a miss.
    let cache = RecordCache()

    /// Applies `batch` (in commit order).
    func ingest(_ batch: [LoggedEvent]) async throws {
        if let journal = try await store.pendingJournal() { try await store.apply(journal) }
        let applied = try await store.appliedThrough()
        guard let last = batch.map(\.id).max(), last > applied else { return }
        let journal = try await journal(for: batch.filter { $0.id > applied }, through: last,
                                        known: cache.records(ifAppliedThrough: applied))
        try await store.apply(journal)
        cache.remember(journal.conversations, appliedThrough: journal.through)
    }

    /// The changes `events` make, from the conversation records in `known` (by key) or else stored.
    func journal(for events: [LoggedEvent], through: Int64, known: [String: ConversationRecord] = [:]) async throws -> UsageJournal {
        var records: [String: ConversationRecord] = [:]
        var loaded = Set<String>()
        var hours: [String: UsageJournal.RollupChange] = [:]
        for event in events where Self.loggedTypes.contains(event.type) && !event.sessionID.isEmpty {
            let key = UsageStore.conversationKey(site: event.siteID, session: event.sessionID)
            if !loaded.contains(key) {
                loaded.insert(key)
                if let record = known[key] {
                    records[key] = record
                } else {
                    records[key] = try await store.conversation(site: event.siteID, session: event.sessionID)
                }
            }
            var deltas: [UsageDelta]
            if event.type == "message" {
                let isFirst = records[key] == nil
                var record = records[key] ?? ConversationRecord(site: event.siteID, session: event.sessionID, startedAt: event.at)
                deltas = record.visitorMessage(at: event.at, reopenAfter: configuration.reopenAfterSeconds(for: event.siteID), isFirst: isFirst)
                records[key] = record
            } else if var record = records[key] {
                deltas = record.agentReply(at: event.at)
                records[key] = record
            } else {
                // A conversation that started before the plugin read the log: the reply counts, no latency.
                var counts = UsageCounts()
                counts.agentReplies = 1
                deltas = [UsageDelta(quarter: event.at.quarterHourStart, counts: counts)]
            }
            for delta in deltas {
                let hour = delta.quarter.hourStart
                let hourKey = "\(event.siteID)\n\(hour.timeIntervalSince1970)"
                var change = hours[hourKey] ?? UsageJournal.RollupChange(site: event.siteID, hour: hour,
                                                                          quarters: Array(repeating: UsageCounts(), count: 4))
                change.quarters[delta.quarter.quarterOfHour].merge(delta.counts)
                hours[hourKey] = change
            }
        }
        let conversations = records.values.sorted { ($0.site, $0.session) < ($1.site, $1.session) }
        let rollups = hours.values.sorted { ($0.site, $0.hour) < ($1.site, $1.hour) }
        return UsageJournal(through: through, conversations: conversations, rollups: rollups)
    }
}
