#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// Resolves the host of an outbound connection and checks every address against the
/// ``OutboundRules`` before anything connects, so the caller can connect to the very address
/// that was checked (a name that resolves differently a moment later — DNS rebinding — changes
/// nothing).
struct CheckedResolver: Sendable {
    let rules: OutboundRules

    /// Why a host cannot be reached.
    enum Refusal: Error {
        /// The name did not resolve (the resolver's reason).
        case unresolved(String)
        /// An address of the name is in a refused range.
        case refused(address: String, range: AddressRange)
    }

    /// The addresses of `host` at `port`, all of them allowed; throws ``Refusal`` when the name
    /// does not resolve or any of its addresses is refused (a name with one private address among
    /// public ones is refused: the client could pick it).
    func addresses(host: String, port: Int) async throws -> [SocketAddress] {
        let name = OutboundRules.normalized(host)
        let resolved = try await NIOThreadPool.singleton.runIfActive { try Self.resolve(name, port: port) }
        guard !resolved.isEmpty else { throw Refusal.unresolved("no address") }
        for address in resolved {
            if let range = rules.refusal(host: name, address: address) {
                throw Refusal.refused(address: address.ipAddress ?? "\(address)", range: range)
            }
        }
        return resolved
    }

    /// `getaddrinfo` for TCP; blocking, so it runs on the thread pool.
    private static func resolve(_ host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw Refusal.unresolved(String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let raw = current.pointee.ai_addr {
                switch current.pointee.ai_family {
                case AF_INET:
                    addresses.append(raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                case AF_INET6:
                    addresses.append(raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                default: break
                }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}
