import Foundation

/// The CSV exports (RFC 4180, CRLF line ends, a header row), built from the same stored data as
/// the JSON summary.
enum CSVExport {
    static let dailyHeader = ["date", "conversations_started", "answered", "unanswered", "reopened", "visitor_messages",
                              "agent_replies", "unique_visitors", "first_response_median_seconds", "first_response_p90_seconds",
                              "reply_median_seconds", "reply_p90_seconds"]
    static let conversationHeader = ["site", "session_id", "started", "first_response_seconds", "visitor_messages",
                                     "agent_messages", "answered"]

    /// One row per local day of `range` (days without activity included).
    static func daily(range: ReportRange, quarters: [Date: UsageCounts]) -> String {
        var days = range
        days.interval = .day
        let grouped = UsageReport.group(quarters, range: days)
        var rows = [dailyHeader]
        for start in days.starts() {
            let counts = grouped[start] ?? UsageCounts()
            rows.append([days.day(start), String(counts.started), String(counts.answered), String(counts.unanswered),
                         String(counts.reopened), String(counts.visitorMessages), String(counts.agentReplies),
                         String(counts.visitors.count), seconds(counts.firstResponse.percentile(0.5)),
                         seconds(counts.firstResponse.percentile(0.9)), seconds(counts.reply.percentile(0.5)),
                         seconds(counts.reply.percentile(0.9))])
        }
        return text(rows)
    }

    /// One row per conversation that started in `range`, oldest first; first response in whole seconds.
    static func conversations(range: ReportRange, records: [ConversationRecord]) -> String {
        let started = records.filter { $0.startedAt >= range.from && $0.startedAt < range.to }
            .sorted { ($0.startedAt, $0.session) < ($1.startedAt, $1.session) }
        var rows = [conversationHeader]
        for record in started {
            rows.append([record.site, record.session, range.stamp(record.startedAt), seconds(record.firstResponseSeconds?.rounded()),
                         String(record.visitorMessages), String(record.agentMessages), record.answered ? "yes" : "no"])
        }
        return text(rows)
    }

    /// `hour_utc,kind,browser,name,count,median_ms,p90_ms`: per UTC hour (oldest first), a `funnel`
    /// row per step reached, a `timing` row per browser family and timing, an `error` row per error
    /// group (`name` = `<source>: <message>`, `browser` empty: the groups span families).
    static func widget(_ hours: [Date: WidgetRollup]) -> String {
        var rows = [["hour_utc", "kind", "browser", "name", "count", "median_ms", "p90_ms"]]
        for hour in hours.keys.sorted() {
            guard let rollup = hours[hour] else { continue }
            let stamp = hour.ISO8601Format()
            for step in WidgetBeacon.funnelSteps where (rollup.funnel[step] ?? 0) > 0 {
                rows.append([stamp, "funnel", "", step, String(rollup.funnel[step] ?? 0), "", ""])
            }
            for key in rollup.timings.keys.sorted() {
                let histogram = rollup.timings[key] ?? LatencyHistogram()
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                rows.append([stamp, "timing", parts.first ?? "", parts.last ?? "", String(histogram.total),
                             seconds(histogram.percentile(0.5)), seconds(histogram.percentile(0.9))])
            }
            for group in rollup.errors.values.sorted(by: { $0.key < $1.key }) {
                rows.append([stamp, "error", "", group.source + ": " + group.message, String(group.count), "", ""])
            }
        }
        return text(rows)
    }

    /// Seconds to the millisecond without trailing zeros (`95`, `12.5`); empty for `nil`.
    static func seconds(_ value: Double?) -> String {
        guard let value else { return "" }
        let millis = (value * 1000).rounded()
        if millis.truncatingRemainder(dividingBy: 1000) == 0 { return String(Int64(millis / 1000)) }
        var text = String(format: "%.3f", millis / 1000)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// The rows as CSV text.
    static func text(_ rows: [[String]]) -> String {
        rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// A field quoted when it needs to be; text a spreadsheet would run as a formula gets a leading `'`.
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
