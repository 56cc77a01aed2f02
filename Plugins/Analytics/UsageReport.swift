import Foundation

/// A site's usage over a range, computed from its stored quarter hours only: totals, a series,
/// the funnel and the latency distributions. Totals are the sums of the series points (unique
/// visitors: the size of the union of the points' visitor sets); medians and p90s are read from
/// the summed histograms.
struct UsageReport: Encodable {
    /// The figures of a period (the whole range or one series point).
    struct Figures: Encodable {
        /// The point's start (series points only).
        var start: String?
        var conversationsStarted: Int
        var answered: Int
        var unanswered: Int
        var reopened: Int
        var visitorMessages: Int
        var agentReplies: Int
        var uniqueVisitors: Int
        var firstResponse: Latency
        var reply: Latency

        init(_ counts: UsageCounts, histograms: Bool, start: String? = nil) {
            self.start = start
            conversationsStarted = counts.started
            answered = counts.answered
            unanswered = counts.unanswered
            reopened = counts.reopened
            visitorMessages = counts.visitorMessages
            agentReplies = counts.agentReplies
            uniqueVisitors = counts.visitors.count
            firstResponse = Latency(counts.firstResponse, histogram: histograms)
            reply = Latency(counts.reply, histogram: histograms)
        }

        enum CodingKeys: String, CodingKey {
            case start, answered, unanswered, reopened, reply
            case conversationsStarted = "conversations_started", visitorMessages = "visitor_messages"
            case agentReplies = "agent_replies", uniqueVisitors = "unique_visitors", firstResponse = "first_response"
        }
    }

    /// Median and p90 of a latency histogram (in seconds, `null` without samples), and the
    /// histogram itself for the range's totals.
    struct Latency: Encodable {
        var count: Int
        var medianSeconds: Double?
        var p90Seconds: Double?
        var histogram: [Bucket]?

        init(_ histogram: LatencyHistogram, histogram includeBuckets: Bool) {
            count = histogram.total
            medianSeconds = histogram.percentile(0.5).map(Self.rounded)
            p90Seconds = histogram.percentile(0.9).map(Self.rounded)
            self.histogram = includeBuckets
                ? histogram.counts.keys.sorted().map { Bucket(le: Self.rounded(LatencyHistogram.upperBound($0)), count: histogram.counts[$0] ?? 0) }
                : nil
        }

        /// Seconds to the millisecond.
        static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(count, forKey: .count)
            try container.encode(medianSeconds, forKey: .medianSeconds)
            try container.encode(p90Seconds, forKey: .p90Seconds)
            try container.encodeIfPresent(histogram, forKey: .histogram)
        }

        enum CodingKeys: String, CodingKey {
            case count, histogram
            case medianSeconds = "median_seconds", p90Seconds = "p90_seconds"
        }
    }

    /// A histogram bucket: samples up to `le` seconds (above the previous bucket's bound).
    struct Bucket: Encodable {
        var le: Double
        var count: Int
    }

    /// One funnel step.
    struct Step: Encodable {
        var step: String
        var count: Int
    }

    var site: String
    var timeZone: String
    var from: String
    var to: String
    var interval: String
    var totals: Figures
    var series: [Figures]
    var funnel: [Step]
    /// The widget module's funnel, timings and errors (set by the summary route).
    var widget: WidgetReport?

    enum CodingKeys: String, CodingKey {
        case site, from, to, interval, totals, series, funnel, widget
        case timeZone = "time_zone"
    }

    /// The report of `site` over `range` from its stored quarter hours.
    init(site: String, range: ReportRange, quarters: [Date: UsageCounts]) {
        let grouped = Self.group(quarters, range: range)
        var total = UsageCounts()
        for counts in grouped.values { total.merge(counts) }
        self.site = site
        timeZone = range.timeZone.identifier
        from = range.stamp(range.from)
        to = range.stamp(range.to)
        interval = range.interval.rawValue
        totals = Figures(total, histograms: true)
        series = range.starts().map { Figures(grouped[$0] ?? UsageCounts(), histograms: false, start: range.stamp($0)) }
        funnel = [Step(step: "visitors", count: total.visitors.count), Step(step: "conversations_started", count: total.started),
                  Step(step: "answered", count: total.answered)]
    }

    /// The quarter hours summed per point of `range`.
    static func group(_ quarters: [Date: UsageCounts], range: ReportRange) -> [Date: UsageCounts] {
        var grouped: [Date: UsageCounts] = [:]
        for (start, counts) in quarters { grouped[range.pointStart(of: start), default: UsageCounts()].merge(counts) }
        return grouped
    }
}
