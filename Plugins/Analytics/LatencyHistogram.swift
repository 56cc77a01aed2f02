import Foundation

/// Latencies counted in fixed log-scale buckets, so that histograms of different quarter hours
/// add up and every median or p90 is read from the same stored counts as the charts.
///
/// Bucket `i` holds the latencies `2^((i-1)/4) < seconds ≤ 2^(i/4)` (bucket 0: up to one second;
/// the last, ``maximumIndex``, everything above 2^(72/4) s ≈ 3 days). A percentile is the upper
/// bound of the bucket holding the sample of rank ⌈q·n⌉ (nearest rank), so it is exact to within one
/// bucket (19 %).
struct LatencyHistogram: Codable, Sendable, Equatable {
    /// The last bucket index.
    static let maximumIndex = 72

    /// Samples per bucket index (buckets without samples are absent).
    var counts: [Int: Int] = [:]

    /// The number of samples.
    var total: Int { counts.values.reduce(0, +) }

    /// The bucket index of a latency of `seconds`.
    static func index(of seconds: Double) -> Int {
        guard seconds > 1 else { return 0 }
        return min(maximumIndex, Int((4 * log2(seconds)).rounded(.up)))
    }

    /// The upper bound of bucket `index` in seconds.
    static func upperBound(_ index: Int) -> Double { pow(2, Double(index) / 4) }

    /// Counts one latency.
    mutating func record(_ seconds: Double) { counts[Self.index(of: seconds), default: 0] += 1 }

    /// Adds another histogram's counts to this one.
    mutating func merge(_ other: LatencyHistogram) {
        for (index, count) in other.counts { counts[index, default: 0] += count }
    }

    /// The upper bound of the bucket holding the sample of rank ⌈`quantile`·n⌉; `nil` without samples.
    func percentile(_ quantile: Double) -> Double? {
        let total = total
        guard total > 0 else { return nil }
        let rank = max(1, Int((quantile * Double(total)).rounded(.up)))
        var seen = 0
        for index in counts.keys.sorted() {
            seen += counts[index] ?? 0
            if seen >= rank { return Self.upperBound(index) }
        }
        return nil
    }
}
