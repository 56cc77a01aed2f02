import Foundation

/// The timestamp shapes of the bridge API (BRIDGE-API.md §3.7).
public enum Timestamps {
    /// `YYYY-MM-DD HH:MM:SS` in UTC, as SQLite's `CURRENT_TIMESTAMP` writes it (DBTS).
    public static func database(_ date: Date) -> String {
        let p = parts(date)
        return "\(pad(p.year, 4))-\(pad(p.month))-\(pad(p.day)) \(pad(p.hour)):\(pad(p.minute)):\(pad(p.second))"
    }

    /// ISO 8601 in UTC with microseconds and an explicit `+00:00` offset (envelope timestamps).
    public static func iso(_ date: Date) -> String {
        let p = parts(date)
        let micros = Int((date.timeIntervalSince1970 - floor(date.timeIntervalSince1970)) * 1_000_000)
        return "\(pad(p.year, 4))-\(pad(p.month))-\(pad(p.day))T\(pad(p.hour)):\(pad(p.minute)):\(pad(p.second)).\(pad(min(micros, 999_999), 6))+00:00"
    }

    /// Parses a `since` cursor leniently: `YYYY-MM-DD`, then optionally space or `T` and
    /// `HH:MM[:SS[.fraction]]`, then optionally `Z` or `±HH[:]MM`. Naive values are UTC.
    /// Returns the DBTS of that instant truncated to whole seconds, or `nil` if unparseable.
    public static func normalizeCursor(_ raw: String) -> String? {
        let s = Array(PythonText.strip(raw).utf8)
        var i = 0
        func number(_ count: Int) -> Int? {
            guard i + count <= s.count else { return nil }
            var v = 0
            for c in s[i..<i + count] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < s.count, s[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2) else { return nil }
        var hour = 0, minute = 0, second = 0, offsetSeconds = 0
        if i < s.count, s[i] == 32 || s[i] == 84 {
            i += 1
            guard let h = number(2), expect(58), let m = number(2) else { return nil }
            hour = h; minute = m
            if expect(58) { guard let sec = number(2) else { return nil }; second = sec }
            if expect(46) || expect(44) {
                let start = i
                while i < s.count, s[i] >= 48 && s[i] <= 57 { i += 1 }
                guard i > start else { return nil }
            }
            if expect(90) || expect(122) {
            } else if i < s.count, s[i] == 43 || s[i] == 45 {
                let sign = s[i] == 45 ? -1 : 1
                i += 1
                guard let oh = number(2) else { return nil }
                _ = expect(58)
                guard let om = number(2) else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == s.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var components = DateComponents()
        components.year = year; components.month = month; components.day = day
        components.hour = hour; components.minute = minute; components.second = second
        guard let date = utcCalendar.date(from: components) else { return nil }
        return database(date.addingTimeInterval(TimeInterval(-offsetSeconds)))
    }

    private static let utcCalendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    private static func parts(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var t = time_t(floor(date.timeIntervalSince1970))
        var tm = tm()
        gmtime_r(&t, &tm)
        return (Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
    }

    private static func pad(_ v: Int, _ width: Int = 2) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
