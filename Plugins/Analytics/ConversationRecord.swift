import Foundation

/// What the plugin keeps about one conversation: the per-conversation CSV row and what the next
/// event needs to tell first responses, replies and reopenings apart.
struct ConversationRecord: Codable, Sendable, Equatable {
    /// The last event-log id applied.
    var through: Int64 = 0
    /// The site.
    var site: String
    /// The session id (one widget uid per session).
    var session: String
    /// When the first visitor message came.
    var startedAt: Date
    /// Seconds from the first visitor message to the first agent reply; `nil` while unanswered.
    var firstResponseSeconds: Double?
    /// Visitor messages.
    var visitorMessages = 0
    /// Agent replies.
    var agentMessages = 0
    /// When the oldest visitor message still waiting for an answer came; `nil` when none waits.
    var waitingSince: Date?
    /// When the last agent reply came.
    var lastReplyAt: Date?
    /// Times the conversation was reopened.
    var reopenings = 0

    /// Whether an agent has answered.
    var answered: Bool { firstResponseSeconds != nil }

    /// A conversation that starts with a visitor message at `at`.
    init(site: String, session: String, startedAt: Date) {
        self.site = site
        self.session = session
        self.startedAt = startedAt
    }

    /// Applies a visitor message at `at`; returns what it adds to the rollups. A message after
    /// `reopenAfter` seconds of quiet following an agent reply reopens the conversation.
    mutating func visitorMessage(at: Date, reopenAfter: Double, isFirst: Bool) -> [UsageDelta] {
        var counts = UsageCounts()
        counts.visitorMessages = 1
        counts.visitors = [session]
        if isFirst { counts.started = 1 }
        if waitingSince == nil {
            if let lastReplyAt, at.timeIntervalSince(lastReplyAt) >= reopenAfter {
                counts.reopened = 1
                reopenings += 1
            }
            waitingSince = at
        }
        visitorMessages += 1
        return [UsageDelta(quarter: at.quarterHourStart, counts: counts)]
    }

    /// Applies an agent reply at `at`; returns what it adds to the rollups. The first answer of the
    /// conversation is its first response (and marks the quarter it started in as answered); every
    /// later answer to a waiting visitor message — after a reopening too — is a reply.
    mutating func agentReply(at: Date) -> [UsageDelta] {
        var here = UsageCounts()
        here.agentReplies = 1
        var deltas: [UsageDelta] = []
        if let waitingSince {
            let seconds = max(0, at.timeIntervalSince(waitingSince))
            if firstResponseSeconds == nil {
                firstResponseSeconds = seconds
                here.firstResponse.record(seconds)
                var start = UsageCounts()
                start.answered = 1
                deltas.append(UsageDelta(quarter: startedAt.quarterHourStart, counts: start))
            } else {
                here.reply.record(seconds)
            }
        }
        waitingSince = nil
        lastReplyAt = at
        agentMessages += 1
        deltas.insert(UsageDelta(quarter: at.quarterHourStart, counts: here), at: 0)
        return deltas
    }
}
