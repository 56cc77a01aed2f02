import Foundation

/// The period and grouping of a report, read from `from`, `to` and `interval` in the site's time
/// zone: dates (`2026-12-01`, whole local days, `to` included) or ISO 8601 times with an offset
/// (`2026-12-01T08:00:00Z`, `to` excluded). Both are rounded down to a quarter hour.
struct ReportRange: Sendable, Equatable {
    /// How series points are grouped.
    enum Interval: String, Sendable {
        case quarterHour = "15m", hour, day
    }

    /// A query the range cannot be read from; the message is the JSON error.
    struct Invalid: Error, Equatable {
        var message: String
    }

    /// Longest period of one report.
    static let maximumDays = 400.0
    /// Most series points of one report.
    static let maximumPoints = 5_000

    var from: Date
    var to: Date
    var interval: Interval
    var timeZone: TimeZone

    /// The range `query` asks for; without `from`/`to`, the 7 days up to the current quarter hour's end.
    init(query: [String: String], timeZone: TimeZone, now: Date) throws(Invalid) {
        self.timeZone = timeZone
        let end = try query["to"].map { value throws(Invalid) in try Self.parse(value, key: "to", timeZone: timeZone, isEnd: true) }
            ?? now.quarterHourStart.addingTimeInterval(900)
        let start = try query["from"].map { value throws(Invalid) in try Self.parse(value, key: "from", timeZone: timeZone, isEnd: false) }
            ?? end.addingTimeInterval(-7 * 86_400)
        guard start < end else { throw Invalid(message: "from must be before to") }
        guard end.timeIntervalSince(start) <= Self.maximumDays * 86_400 else {
            throw Invalid(message: "the range must not be longer than \(Int(Self.maximumDays)) days")
        }
        from = start
        to = end
        if let name = query["interval"] {
            guard let interval = Interval(rawValue: name) else { throw Invalid(message: "interval must be 15m, hour or day") }
            self.interval = interval
        } else {
            let days = end.timeIntervalSince(start) / 86_400
            interval = days <= 2 ? .quarterHour : days <= 31 ? .hour : .day
        }
        guard starts().count <= Self.maximumPoints else {
            throw Invalid(message: "too many points: choose a longer interval or a shorter range")
        }
    }

    /// The calendar of the site's time zone.
    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The start of every series point, in order (the first may lie before `from`).
    func starts() -> [Date] {
        var result: [Date] = []
        var start = pointStart(of: from)
        while start < to {
            result.append(start)
            switch interval {
            case .quarterHour: start = start.addingTimeInterval(900)
            case .hour: start = calendar.date(byAdding: .hour, value: 1, to: start) ?? to
            case .day: start = calendar.date(byAdding: .day, value: 1, to: start) ?? to
            }
            if result.count > Self.maximumPoints { break }
        }
        return result
    }

    /// The start of the point holding `date`.
    func pointStart(of date: Date) -> Date {
        switch interval {
        case .quarterHour: return date.quarterHourStart
        case .hour: return calendar.dateInterval(of: .hour, for: date)?.start ?? date
        case .day: return calendar.startOfDay(for: date)
        }
    }

    /// `date` in ISO 8601 with the site's offset, to the whole second below
    /// (`2026-12-02T09:15:00+01:00`, `Z` in UTC).
    func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    /// The local date of `date` (`2026-12-02`).
    func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    private static func parse(_ value: String, key: String, timeZone: TimeZone, isEnd: Bool) throws(Invalid) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        if value.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
           (1...12).contains(month), (1...31).contains(day),
           let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
           calendar.component(.day, from: date) == day {
            return isEnd ? calendar.date(byAdding: .day, value: 1, to: date) ?? date : date
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: value) ?? fractional.date(from: value) else {
            throw Invalid(message: "\(key) must be a date (2026-12-01) or an ISO 8601 time with an offset (2026-12-01T08:00:00Z)")
        }
        return date.quarterHourStart
    }
}
