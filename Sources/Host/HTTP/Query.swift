import Foundation
import SanctumServices

/// A query string decoded as Werkzeug decodes it: `&`-separated pairs, `+` is a space,
/// percent escapes decoded (malformed ones kept literally), the first value of a name wins.
struct Query: Sendable {
    private var values: [String: String] = [:]

    init(_ raw: String?) {
        guard let raw, !raw.isEmpty else { return }
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Query.decode(parts[0])
            if values[name] == nil { values[name] = parts.count > 1 ? Query.decode(parts[1]) : "" }
        }
    }

    /// The query of a request target (`/path?query`).
    init(target: String?) {
        self.init((target ?? "").split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init))
    }

    /// Every name with its first value.
    var all: [String: String] { values }

    /// The first value of `name`, or `nil` when absent.
    subscript(name: String) -> String? { values[name] }

    private static func decode(_ s: Substring) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%"), i + 2 < bytes.count, let v = UInt8(String(decoding: bytes[i + 1...i + 2], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
