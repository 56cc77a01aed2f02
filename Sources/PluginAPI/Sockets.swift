import Foundation

/// Where ``PluginHost/sockets`` connects: a Unix domain socket or a TCP host and port.
/// Since PluginAPI 2.2.
public enum PluginSocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// A Unix domain socket at this path; the operator must list it in `outbound.unix_sockets`.
    case unix(path: String)
    /// A TCP host (name or address) and port, under the same address rules as outbound HTTP.
    case tcp(host: String, port: Int)

    /// `unix:<path>` or `<host>:<port>`, for logs.
    public var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): "\(host):\(port)"
        }
    }
}

/// How long a socket connection may wait. Since PluginAPI 2.2.
public struct PluginSocketTimeouts: Sendable, Hashable {
    /// The longest the connection may take to open (default 5 s).
    public var connect: Duration
    /// The longest one ``PluginSocket/read(upTo:)`` (or each wait inside
    /// ``PluginSocket/readToEnd(maxBytes:)``) may wait for bytes, and one ``PluginSocket/write(_:)``
    /// for the peer to take them (default 30 s). An operation that times out closes the connection.
    public var read: Duration

    /// Timeouts; 5 s to connect and 30 s per read unless given. The host shortens both to its
    /// maximum (`outbound.max_timeout_seconds`).
    public init(connect: Duration = .seconds(5), read: Duration = .seconds(30)) {
        self.connect = connect
        self.read = read
    }
}

/// An open byte-stream connection, valid inside ``PluginSocketConnector/withConnection(to:timeouts:_:)``.
/// Since PluginAPI 2.2.
///
/// Use it from one task at a time (it is not `Sendable`): write, then read. The host closes it
/// when the closure returns or throws.
public protocol PluginSocket: AnyObject {
    /// Sends `data` (waits until the connection has taken it, at most the read timeout).
    func write(_ data: Data) async throws
    /// The next bytes the peer sent, at most `maxBytes` (at least one byte), or empty at the end
    /// of the stream. Throws ``PluginSocketError/timeout(_:)`` after the read timeout.
    func read(upTo maxBytes: Int) async throws -> Data
    /// Everything until the peer closes the connection; throws
    /// ``PluginSocketError/tooLarge(limit:)`` past `maxBytes`.
    func readToEnd(maxBytes: Int) async throws -> Data
}

/// The host's socket client, ``PluginHost/sockets``: for daemons such as clamd that speak their
/// own protocol over a Unix socket or TCP. Needs the ``PluginCapability/sockets`` capability:
/// without it every call throws ``CapabilityNotDeclared``. Since PluginAPI 2.2.
public protocol PluginSocketConnector: Sendable {
    /// Opens a connection to `address`, runs `body` with it, and closes it when `body` returns or
    /// throws. Throws ``PluginSocketError`` when the connection cannot be opened.
    func withConnection<Result: Sendable>(to address: PluginSocketAddress, timeouts: PluginSocketTimeouts,
                                          _ body: (any PluginSocket) async throws -> Result) async throws -> Result
}

extension PluginSocketConnector {
    /// ``withConnection(to:timeouts:_:)`` with the default ``PluginSocketTimeouts``.
    public func withConnection<Result: Sendable>(to address: PluginSocketAddress,
                                                 _ body: (any PluginSocket) async throws -> Result) async throws -> Result {
        try await withConnection(to: address, timeouts: PluginSocketTimeouts(), body)
    }
}

/// Why a socket operation failed. New cases may arrive in a minor version: switch over it with a
/// `default`. Since PluginAPI 2.2.
public enum PluginSocketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The TCP host (first) resolved to an address (second) the server's `outbound` rules refuse,
    /// or the Unix socket path (first) is not listed in `outbound.unix_sockets` (second is empty).
    case refusedAddress(host: String, address: String)
    /// Connecting or reading took longer than its timeout (shown).
    case timeout(Duration)
    /// More than `limit` bytes arrived before the end of the stream.
    case tooLarge(limit: Int)
    /// The connection could not be made or broke (the reason, in words).
    case connectionFailed(String)

    /// The reason in one line, for logs.
    public var description: String {
        switch self {
        case .refusedAddress(let host, let address) where address.isEmpty: "\(host) is not a socket the server allows"
        case .refusedAddress(let host, let address): "\(host) resolves to \(address), which sockets may not reach"
        case .timeout(let limit): "no answer within \(limit)"
        case .tooLarge(let limit): "the peer sent more than \(limit) bytes"
        case .connectionFailed(let reason): "connection failed: \(reason)"
        }
    }
}
