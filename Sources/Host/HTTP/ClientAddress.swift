import HTTPTypes
import SanctumServices
import Foundation
import Hummingbird
import NIOCore

/// The client IP of a request: the TCP peer, or, only when that peer is a trusted proxy, the
/// right-most untrusted address of `X-Forwarded-For` (spoofed entries to its left are ignored).
enum ClientAddress {
    static func resolve(peer: SocketAddress?, headers: HTTPFields, trustedProxies: Set<String>) -> String {
        let peerIP = peer?.ipAddress ?? "unknown"
        guard trustedProxies.contains(peerIP), let name = HTTPField.Name("X-Forwarded-For") else { return peerIP }
        let hops = headers[values: name].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        return hops.reversed().first { !trustedProxies.contains($0) && !$0.isEmpty } ?? peerIP
    }
}
