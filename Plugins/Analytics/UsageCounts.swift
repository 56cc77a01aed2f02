import Foundation

/// What happened in one quarter hour of one site: the unit every report, chart and CSV sums.
///
/// Conversation-level figures (`started`, `answered`, `reopened`) are counted in the quarter hour
/// the conversation started (reopenings: where the reopening message came); messages, visitors and
/// latencies in the quarter hour of the message that made them.
struct UsageCounts: Codable, Sendable, Equatable {
    /// Conversations whose first visitor message came in this quarter hour.
    var started = 0
    /// Of those, the ones an agent has answered (so far).
    var answered = 0
    /// Visitor messages that reopened a conversation after the quiet time.
    var reopened = 0
    /// Visitor messages.
    var visitorMessages = 0
    /// Agent replies.
    var agentReplies = 0
    /// The visitors (widget uids, one per conversation) who wrote in this quarter hour.
    var visitors: Set<String> = []
    /// Time from a conversation's first visitor message to its first agent reply, counted when the reply came.
    var firstResponse = LatencyHistogram()
    /// Time from a waiting visitor message to the agent's answer for every answer after the first.
    var reply = LatencyHistogram()

    /// Conversations started here that no agent has answered.
    var unanswered: Int { started - answered }

    /// Adds `other` to these counts (visitor sets are united, so a visitor is counted once).
    mutating func merge(_ other: UsageCounts) {
        started += other.started
        answered += other.answered
        reopened += other.reopened
        visitorMessages += other.visitorMessages
        agentReplies += other.agentReplies
        visitors.formUnion(other.visitors)
        firstResponse.merge(other.firstResponse)
        reply.merge(other.reply)
    }

    /// Whether nothing was counted.
    var isEmpty: Bool { self == UsageCounts() }
}

/// The stored rollup of one site and one UTC hour: four quarter hours, and the id of the last
/// logged event applied to it (replayed events at or below it are not counted again).
struct HourRollup: Codable, Sendable, Equatable {
    /// The last event-log id applied.
    var through: Int64 = 0
    /// Quarter hours 0…3 (minutes 0, 15, 30, 45).
    var quarters: [UsageCounts] = Array(repeating: UsageCounts(), count: 4)
}

/// One change to one quarter hour, made by the event `eventID`.
struct UsageDelta: Codable, Sendable, Equatable {
    /// The UTC start of the quarter hour.
    var quarter: Date
    /// What to add.
    var counts: UsageCounts
}

extension Date {
    /// The start of the UTC quarter hour holding this date.
    var quarterHourStart: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 / 900).rounded(.down) * 900) }

    /// The start of the UTC hour holding this date.
    var hourStart: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 / 3600).rounded(.down) * 3600) }

    /// The quarter (0…3) of its hour.
    var quarterOfHour: Int { Int((timeIntervalSince1970 - hourStart.timeIntervalSince1970) / 900) }
}
