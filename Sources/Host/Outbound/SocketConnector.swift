import NIOCore
import NIOPosix
import PluginAPI

/// ``PluginHost/sockets``: byte-stream connections with SwiftNIO to the Unix socket paths the
/// operator lists (`outbound.unix_sockets`) and to TCP hosts under the ``OutboundRules`` (the
/// connection goes to the address that was checked).
struct SocketConnector: PluginSocketConnector {
    let rules: OutboundRules

    func withConnection<Result: Sendable>(to address: PluginSocketAddress, timeouts: PluginSocketTimeouts,
                                          _ body: (any PluginSocket) async throws -> Result) async throws -> Result {
        let target = try await checkedAddress(address)
        let connectTimeout = rules.clamp(timeouts.connect)
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(connectTimeout))
                .connect(to: target) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
        } catch ChannelError.connectTimeout {
            throw PluginSocketError.timeout(connectTimeout)
        } catch {
            throw PluginSocketError.connectionFailed("\(address): \(error)")
        }
        let timeout = rules.clamp(timeouts.read)
        return try await channel.executeThenClose { inbound, outbound in
            let socket = NIOPluginSocket(channel: channel.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound, timeout: timeout)
            return try await body(socket)
        }
    }

    /// The address to connect to: a listed Unix socket path, or a checked address of the TCP host.
    private func checkedAddress(_ address: PluginSocketAddress) async throws -> SocketAddress {
        switch address {
        case .unix(let path):
            guard rules.unixSockets.contains(path) else { throw PluginSocketError.refusedAddress(host: path, address: "") }
            do {
                return try SocketAddress(unixDomainSocketPath: path)
            } catch {
                throw PluginSocketError.connectionFailed("\(address): \(error)")
            }
        case .tcp(let host, let port):
            guard (1...65_535).contains(port) else { throw PluginSocketError.connectionFailed("\(address): no such port") }
            do {
                guard let first = try await CheckedResolver(rules: rules).addresses(host: host, port: port).first else {
                    throw PluginSocketError.connectionFailed("\(address): no address")
                }
                return first
            } catch CheckedResolver.Refusal.refused(let refused, _) {
                throw PluginSocketError.refusedAddress(host: host, address: refused)
            } catch CheckedResolver.Refusal.unresolved(let reason) {
                throw PluginSocketError.connectionFailed("cannot resolve \(host): \(reason)")
            }
        }
    }
}
