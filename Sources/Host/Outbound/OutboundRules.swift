import Foundation
import NIOCore

/// Where plugins' outbound HTTP requests and socket connections may go (the `outbound` config
/// section): public addresses always, loopback and private ones only when the operator says so.
struct OutboundRules: Sendable {
    /// Whether every special-purpose address (loopback, private, …) may be reached.
    var allowPrivate = false
    /// Hosts (names or address literals, lowercased) that may resolve to special-purpose addresses:
    /// a translation service on `localhost`, a scanner on `10.0.0.5`.
    var allowedHosts: Set<String> = []
    /// Unix socket paths plugins may connect to; no other path is reachable.
    var unixSockets: Set<String> = []
    /// The longest timeout a plugin may ask for.
    var maxTimeout: Duration = .seconds(60)
    /// The longest connect timeout of outbound HTTP.
    var connectTimeout: Duration = .seconds(5)

    /// Whether `host` may reach `address`: public addresses always; special-purpose ones when
    /// private addresses are allowed or the host is listed. Returns the refused range otherwise.
    func refusal(host: String, address: SocketAddress) -> AddressRange? {
        if allowPrivate || allowedHosts.contains(Self.normalized(host)) { return nil }
        return Self.range(of: address)
    }

    /// The special-purpose range of `address`, `nil` for a public IP address.
    static func range(of address: SocketAddress) -> AddressRange? {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { AddressRange.of(ipv4: Array($0)) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { AddressRange.of(ipv6: Array($0)) }
        case .unixDomainSocket:
            return .reserved
        }
    }

    /// `requested` shortened to ``maxTimeout``, and at least 1 ms.
    func clamp(_ requested: Duration) -> Duration {
        max(.milliseconds(1), min(requested, maxTimeout))
    }

    /// A host as the rules compare it: lowercased, without IPv6 brackets or a trailing dot.
    static func normalized(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }
}
