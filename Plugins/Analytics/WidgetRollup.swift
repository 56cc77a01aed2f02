import Foundation

/// One site's widget beacons of one UTC hour, stored under `w:<site>:<yyyyMMddHH>` beside the
/// usage rollup of the same hour: funnel counts, timing histograms per browser family (in
/// milliseconds) and error groups with counts. Raw beacons are not kept.
struct WidgetRollup: Codable, Sendable, Equatable {
    /// The most error groups one hour keeps; errors of further groups are only counted in `droppedErrors`.
    static let maximumErrorGroups = 50

    /// Visitors per funnel step (`bubble_shown`, `chat_opened`, `message_sent`).
    var funnel: [String: Int] = [:]
    /// Histograms in milliseconds by `"<browser>/<timing>"`.
    var timings: [String: LatencyHistogram] = [:]
    /// Error groups by ``ErrorGroup/key``.
    var errors: [String: ErrorGroup] = [:]
    /// Errors not kept because the hour already had ``maximumErrorGroups`` groups.
    var droppedErrors = 0

    /// Errors of the same source, message and top frame, counted together.
    struct ErrorGroup: Codable, Sendable, Equatable {
        var source: String
        var message: String
        var frames: [String]
        var version: String
        var browsers: [String: Int]
        var count: Int

        /// What makes two errors the same group.
        var key: String { [source, message, frames.first ?? ""].joined(separator: "\n") }
    }

    /// Adds one beacon.
    mutating func add(_ beacon: WidgetBeacon) {
        for step in beacon.funnel { funnel[step, default: 0] += 1 }
        for timing in beacon.timings { timings["\(beacon.browser)/\(timing.name)", default: LatencyHistogram()].record(timing.milliseconds) }
        for failure in beacon.errors {
            var group = ErrorGroup(source: failure.source, message: failure.message, frames: failure.frames, version: beacon.version,
                                   browsers: [beacon.browser: 1], count: 1)
            if var known = errors[group.key] {
                known.count += 1
                known.browsers[beacon.browser, default: 0] += 1
                known.version = beacon.version
                group = known
            } else if errors.count >= Self.maximumErrorGroups {
                droppedErrors += 1
                continue
            }
            errors[group.key] = group
        }
    }

    /// Adds another hour's rollup (for a range's totals).
    mutating func merge(_ other: WidgetRollup) {
        for (step, count) in other.funnel { funnel[step, default: 0] += count }
        for (key, histogram) in other.timings { timings[key, default: LatencyHistogram()].merge(histogram) }
        for (key, group) in other.errors {
            if var known = errors[key] {
                known.count += group.count
                for (browser, count) in group.browsers { known.browsers[browser, default: 0] += count }
                known.version = max(known.version, group.version)
                errors[key] = known
            } else {
                errors[key] = group
            }
        }
        droppedErrors += other.droppedErrors
    }
}

/// The `widget` section of the summary: the widget module's funnel, timings and errors over the
/// range, from the same stored hourly rollups the exports read.
struct WidgetReport: Encodable {
    /// One funnel step.
    struct Step: Encodable {
        var step: String
        var count: Int
    }

    /// One timing of one browser family.
    struct Timing: Encodable {
        var browser: String
        var timing: String
        var count: Int
        var medianMs: Double?
        var p90Ms: Double?
        var histogram: [Bucket]

        enum CodingKeys: String, CodingKey {
            case browser, timing, count, histogram
            case medianMs = "median_ms", p90Ms = "p90_ms"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(browser, forKey: .browser)
            try container.encode(timing, forKey: .timing)
            try container.encode(count, forKey: .count)
            try container.encode(medianMs, forKey: .medianMs)
            try container.encode(p90Ms, forKey: .p90Ms)
            try container.encode(histogram, forKey: .histogram)
        }
    }

    /// Samples up to `le_ms` milliseconds (above the previous bucket's bound).
    struct Bucket: Encodable {
        var leMs: Double
        var count: Int
        enum CodingKeys: String, CodingKey { case count, leMs = "le_ms" }
    }

    /// One error group.
    struct ErrorRow: Encodable {
        var source: String
        var message: String
        var frames: [String]
        var version: String
        var browsers: [String: Int]
        var count: Int
    }

    var sampleRate: Double
    var funnel: [Step]
    var timings: [Timing]
    var errors: [ErrorRow]
    var droppedErrors: Int

    enum CodingKeys: String, CodingKey {
        case funnel, timings, errors
        case sampleRate = "sample_rate", droppedErrors = "dropped_errors"
    }

    /// The section for the hours' rollups summed.
    init(_ total: WidgetRollup, sampleRate: Double) {
        self.sampleRate = sampleRate
        funnel = WidgetBeacon.funnelSteps.map { Step(step: $0, count: total.funnel[$0] ?? 0) }
        timings = total.timings.keys.sorted().map { key in
            let histogram = total.timings[key] ?? LatencyHistogram()
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            return Timing(browser: parts.first ?? "", timing: parts.last ?? "", count: histogram.total,
                          medianMs: histogram.percentile(0.5).map(UsageReport.Latency.rounded),
                          p90Ms: histogram.percentile(0.9).map(UsageReport.Latency.rounded),
                          histogram: histogram.counts.keys.sorted().map {
                              Bucket(leMs: UsageReport.Latency.rounded(LatencyHistogram.upperBound($0)), count: histogram.counts[$0] ?? 0)
                          })
        }
        errors = total.errors.values
            .sorted { ($0.count, $1.key) > ($1.count, $0.key) }
            .map { ErrorRow(source: $0.source, message: $0.message, frames: $0.frames, version: $0.version, browsers: $0.browsers, count: $0.count) }
        droppedErrors = total.droppedErrors
    }
}
