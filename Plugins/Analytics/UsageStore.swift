import Foundation
import PluginAPI

/// The plugin's storage: hourly rollups under `r:<site>:<yyyyMMddHH>` (UTC), conversation records
/// under `c:<site>:<session>`, both expiring after the retention; `applied` (the last event-log id
/// applied) and `journal` (a batch being applied).
struct UsageStore: Sendable {
    let storage: any PluginStorage
    let retention: Duration

    static let appliedKey = "applied"
    static let journalKey = "journal"

    /// The key of `site`'s rollup of the UTC hour starting at `hour`.
    static func rollupKey(site: String, hour: Date) -> String { "r:\(site):\(hourStamp(hour))" }

    /// The key of a conversation's record.
    static func conversationKey(site: String, session: String) -> String { "c:\(site):\(session)" }

    /// `yyyyMMddHH` of the UTC hour of `date`: fixed width, so keys sort by time.
    static func hourStamp(_ date: Date) -> String {
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour], from: date)
        return String(format: "%04d%02d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0)
    }

    /// The hour a `yyyyMMddHH` stamp names.
    static func hour(fromStamp stamp: some StringProtocol) -> Date? {
        guard stamp.count == 10, let value = Int(stamp) else { return nil }
        let components = DateComponents(year: value / 1_000_000, month: value / 10_000 % 100, day: value / 100 % 100, hour: value % 100)
        return utcCalendar.date(from: components)
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The id of the last logged event whose effects are stored.
    func appliedThrough() async throws -> Int64 { try await storage.counter(Self.appliedKey) }

    /// The record of a conversation, if the plugin has seen it start.
    func conversation(site: String, session: String) async throws -> ConversationRecord? {
        try Self.decode(ConversationRecord.self, try await storage.value(for: Self.conversationKey(site: site, session: session)))
    }

    /// Every stored conversation record of `site`.
    func conversations(site: String) async throws -> [ConversationRecord] {
        var records: [ConversationRecord] = []
        for key in try await storage.keys(prefix: "c:\(site):") {
            if let record = try Self.decode(ConversationRecord.self, try await storage.value(for: key)) { records.append(record) }
        }
        return records
    }

    /// The stored quarter hours of `site` that start in `from..<to`, by UTC start.
    func quarters(site: String, from: Date, to: Date) async throws -> [Date: UsageCounts] {
        var found: [Date: UsageCounts] = [:]
        for (hour, rollup) in try await hours(HourRollup.self, prefix: "r:\(site):", from: from, to: to) {
            for (index, counts) in rollup.quarters.enumerated() where !counts.isEmpty {
                let start = hour.addingTimeInterval(Double(index) * 900)
                if start >= from && start < to { found[start] = counts }
            }
        }
        return found
    }

    /// The hourly values under `prefix` (`r:<site>:`, `w:<site>:`) of the UTC hours that start
    /// before `to` and not before the hour of `from`, by hour.
    private func hours<Rollup: Decodable>(_ type: Rollup.Type, prefix: String, from: Date, to: Date) async throws -> [Date: Rollup] {
        let first = Self.hourStamp(from.hourStart)
        var found: [Date: Rollup] = [:]
        for key in try await storage.keys(prefix: prefix) {
            let stamp = key.dropFirst(prefix.count)
            guard stamp >= first, let hour = Self.hour(fromStamp: stamp), hour < to,
                  let rollup = try Self.decode(type, try await storage.value(for: key)) else { continue }
            found[hour] = rollup
        }
        return found
    }

    /// Stores a journal's changes in ONE atomic write (PluginAPI 2.4 `apply`): the conversation
    /// records, the hours' rollups, `applied`, and the journal's removal. The records are the
    /// conversations' states after the batch, encoded before the write (set, not merged: only
    /// this subscription writes them, and a batch at or below `applied` is never journaled). Each
    /// hour's rollup is marked with the journal's `through` and left alone when it is at or past
    /// it, so a journal written by version 1.2.0 and applied again after a crash counts nothing twice.
    func apply(_ journal: UsageJournal) async throws {
        let through = journal.through
        var writes: [PluginStorageWrite] = []
        for record in journal.conversations {
            var stored = record
            stored.through = through
            writes.append(.set(try Self.encode(stored), for: Self.conversationKey(site: record.site, session: record.session), expiresAfter: retention))
        }
        for change in journal.rollups {
            writes.append(.update(Self.rollupKey(site: change.site, hour: change.hour), expiresAfter: retention) { existing in
                var rollup = (try? Self.decode(HourRollup.self, existing)) ?? HourRollup()
                if rollup.through >= through { return existing }
                for (index, counts) in change.quarters.enumerated() { rollup.quarters[index].merge(counts) }
                rollup.through = through
                return try Self.encode(rollup)
            })
        }
        writes.append(.update(Self.appliedKey) { existing in
            let old = existing.flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
            return Data(String(max(old, through)).utf8)
        })
        writes.append(.remove(Self.journalKey))
        try await storage.apply(writes)
    }

    /// Forgets an erased (or expired, or cleaned up) conversation: its record goes, and in every
    /// hour of its site its visitor id is replaced by one random placeholder, so the unique-visitor
    /// counts stay what they were while nothing refers to the conversation any more. One write.
    func forget(site: String, session: String, placeholder: String) async throws {
        var writes: [PluginStorageWrite] = [.remove(Self.conversationKey(site: site, session: session))]
        for key in try await storage.keys(prefix: "r:\(site):") {
            writes.append(.update(key) { existing in
                guard var rollup = try? Self.decode(HourRollup.self, existing),
                      rollup.quarters.contains(where: { $0.visitors.contains(session) }) else { return existing }
                for index in rollup.quarters.indices where rollup.quarters[index].visitors.remove(session) != nil {
                    rollup.quarters[index].visitors.insert(placeholder)
                }
                return try Self.encode(rollup)
            })
        }
        try await storage.apply(writes)
    }

    /// Writes the journal of a batch (what version 1.2.0 did before storing a batch's changes; kept
    /// for the tests that recover such a journal).
    func write(_ journal: UsageJournal) async throws { try await storage.set(try Self.encode(journal), for: Self.journalKey) }

    /// The journal of a batch whose changes may be half stored.
    func pendingJournal() async throws -> UsageJournal? {
        try Self.decode(UsageJournal.self, try await storage.value(for: Self.journalKey))
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data?) throws -> T? {
        guard let data else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(type, from: data)
    }
}

/// The changes of one batch of logged events, stored in one atomic write. (Version 1.2.0 stored the
/// journal first; one left behind is applied by the next batch.)
struct UsageJournal: Codable, Sendable, Equatable {
    /// One hour's additions.
    struct RollupChange: Codable, Sendable, Equatable {
        var site: String
        var hour: Date
        var quarters: [UsageCounts]
    }

    /// The last event id of the batch: every key it changes is marked with it.
    var through: Int64
    /// Conversation records as they are after the batch.
    var conversations: [ConversationRecord]
    /// What the batch adds to each hour.
    var rollups: [RollupChange]
}

extension UsageStore {
    /// The key of `site`'s widget rollup of the UTC hour starting at `hour`.
    static func widgetKey(site: String, hour: Date) -> String { "w:\(site):\(hourStamp(hour))" }

    /// Folds one beacon into the widget rollup of the hour of `date`, atomically.
    func addBeacon(_ beacon: WidgetBeacon, site: String, at date: Date) async throws {
        try await storage.update(Self.widgetKey(site: site, hour: date.hourStart), expiresAfter: retention) { existing in
            var rollup = (try? Self.decode(WidgetRollup.self, existing)) ?? WidgetRollup()
            rollup.add(beacon)
            return try Self.encode(rollup)
        }
    }

    /// The widget rollups of `site` for the UTC hours that start in `from..<to`, summed. Whole
    /// hours: a range that starts or ends inside an hour includes that hour's beacons.
    func widget(site: String, from: Date, to: Date) async throws -> WidgetRollup {
        var total = WidgetRollup()
        for rollup in try await widgetHours(site: site, from: from, to: to).values { total.merge(rollup) }
        return total
    }

    /// The widget rollups of `site` by UTC hour, for the hours that start in `from..<to` (whole
    /// hours, as ``widget(site:from:to:)`` sums them).
    func widgetHours(site: String, from: Date, to: Date) async throws -> [Date: WidgetRollup] {
        try await hours(WidgetRollup.self, prefix: "w:\(site):", from: from, to: to)
    }
}
