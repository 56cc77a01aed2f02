/// Text rules of the original Python server, reproduced exactly (BRIDGE-API.md §1.7).
public enum PythonText {
    /// The characters Python's `str.isspace()` accepts, which `str.strip()` removes.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default: false
        }
    }

    /// Python's `str.strip()` with no argument.
    public static func strip(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return s }
        return String(scalars[first...last])
    }

    /// Python's `int(s)` for base 10: surrounding whitespace, an optional sign, decimal digits of
    /// any script, single underscores between digits. Values beyond 64 bits saturate.
    public static func int(_ s: String) -> Int64? {
        var scalars = Substring(strip(s)).unicodeScalars[...]
        guard !scalars.isEmpty else { return nil }
        var negative = false
        if let sign = scalars.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            scalars = scalars.dropFirst()
        }
        var value: Int64 = 0
        var sawDigit = false
        var previousWasUnderscore = false
        for scalar in scalars {
            if scalar == "_" {
                guard sawDigit, !previousWasUnderscore else { return nil }
                previousWasUnderscore = true
                continue
            }
            guard scalar.properties.numericType == .decimal, let digit = scalar.properties.numericValue else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(digit))
            value = (o1 || o2) ? Int64.max : sum
            sawDigit = true
            previousWasUnderscore = false
        }
        guard sawDigit, !previousWasUnderscore else { return nil }
        return negative ? -value : value
    }

    /// Length in code points, as Python's `len` counts.
    public static func length(_ s: String) -> Int { s.unicodeScalars.count }
}
