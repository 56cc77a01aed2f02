import Foundation

/// An IPv4 or IPv6 address range in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`), or one
/// address (`198.51.100.7`: the whole length). IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`)
/// match IPv4 ranges, since a dual-stack listener reports IPv4 clients that way.
public struct AddressPrefix: Sendable, Hashable, CustomStringConvertible {
    /// The network's bytes (4 or 16), host bits zeroed.
    public let bytes: [UInt8]
    /// The prefix length in bits.
    public let length: Int

    /// Parses `text`; `nil` when it is not an address or a CIDR range.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let bytes = Self.parse(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        let length = parts.count == 2 ? Int(parts[1]) : bits
        guard let length, (0...bits).contains(length), parts.count == 1 || parts[1].allSatisfy(\.isASCII) else { return nil }
        self.length = length
        self.bytes = bytes.enumerated().map { index, byte in
            let kept = max(0, min(8, length - index * 8))
            return kept == 8 ? byte : byte & ~UInt8(truncatingIfNeeded: 0xFF >> kept)
        }
    }

    /// Whether `address` (text, as the server resolved the client) lies in the range.
    public func contains(_ address: String) -> Bool {
        guard var candidate = Self.parse(address) else { return false }
        if candidate.count == 16, bytes.count == 4, candidate[0..<10].allSatisfy({ $0 == 0 }), candidate[10] == 0xFF, candidate[11] == 0xFF {
            candidate = Array(candidate[12...])
        }
        guard candidate.count == bytes.count else { return false }
        for index in 0..<bytes.count {
            let kept = max(0, min(8, length - index * 8))
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - kept))
            if kept > 0, candidate[index] & mask != bytes[index] { return false }
        }
        return true
    }

    /// `address/length`, the address in its usual text form.
    public var description: String {
        var text = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        return String(cString: text) + "/\(length)"
    }

    private static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
