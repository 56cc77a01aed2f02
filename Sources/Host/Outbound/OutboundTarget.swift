import Foundation
import NIOCore
import PluginAPI

/// Where an outbound HTTP request really goes, after its URL is checked and its host resolved.
///
/// A plain `http` request is sent to the addresses that were checked, in the resolver's order
/// until one connects (the URL's host replaced by the address, the `Host` header keeping the
/// name), so DNS rebinding cannot move it to a refused address between the check and the
/// connection. An `https` request keeps its name for TLS (the
/// certificate must match it): the client resolves it again, but a name rebound to an internal
/// address then fails the TLS handshake unless that address serves a certificate for the name.
struct OutboundTarget: Sendable {
    /// The URLs the client tries, in order, until one connects.
    let connectURLs: [String]
    /// The `Host` header: the URL's host and, when not the scheme's default, its port.
    let hostHeader: String

    /// Checks `url` (absolute, http or https, with a host) and the addresses of its host.
    static func checked(_ url: URL, resolver: CheckedResolver) async throws -> OutboundTarget {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let rawHost = url.host, !rawHost.isEmpty,
              var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            throw PluginHTTPError.invalidURL(url.absoluteString)
        }
        let host = OutboundRules.normalized(rawHost)
        let defaultPort = scheme == "https" ? 443 : 80
        let port = url.port ?? defaultPort
        guard (1...65_535).contains(port) else { throw PluginHTTPError.invalidURL(url.absoluteString) }
        let addresses: [SocketAddress]
        do {
            addresses = try await resolver.addresses(host: host, port: port)
        } catch CheckedResolver.Refusal.refused(let address, _) {
            throw PluginHTTPError.refusedAddress(host: host, address: address)
        } catch CheckedResolver.Refusal.unresolved(let reason) {
            throw PluginHTTPError.connectionFailed("cannot resolve \(host): \(reason)")
        }
        let hostHeader = Self.bracketed(host) + (port == defaultPort ? "" : ":\(port)")
        guard scheme == "http" else { return OutboundTarget(connectURLs: [url.absoluteString], hostHeader: hostHeader) }
        let pinned = addresses.compactMap { address -> String? in
            guard let ip = address.ipAddress else { return nil }
            components.percentEncodedHost = Self.bracketed(ip)
            components.port = port
            return components.string
        }
        guard !pinned.isEmpty else { throw PluginHTTPError.invalidURL(url.absoluteString) }
        return OutboundTarget(connectURLs: pinned, hostHeader: hostHeader)
    }

    /// An IPv6 literal in brackets, as URLs and `Host` headers write it.
    private static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}
