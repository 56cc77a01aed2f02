import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import PluginAPI
import ServiceLifecycle
import Synchronization

/// The server's one outbound HTTP client, ``PluginHost/http`` for every plugin: redirects not
/// followed, a connect timeout and a total deadline per request, response bodies capped, no
/// decompression, and only addresses the ``OutboundRules`` allow.
///
/// The AsyncHTTPClient under it is made on first use and shut down when the server stops (this
/// is a `Service`: put it before the plugins so it stops after them).
final class OutboundHTTPClient: PluginHTTPClient, Service {
    private enum State {
        case idle
        case running(HTTPClient)
        case stopped
    }

    let rules: OutboundRules
    private let state = Mutex(State.idle)

    init(rules: OutboundRules) {
        self.rules = rules
    }

    func send(_ request: PluginHTTPRequest) async throws -> PluginHTTPResponse {
        let target = try await OutboundTarget.checked(request.url, resolver: CheckedResolver(rules: rules))
        let client = try self.client()
        let timeout = rules.clamp(request.timeout)
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        return try await Self.within(timeout) {
            var lastFailure: any Error = PluginHTTPError.connectionFailed("no address")
            for url in target.connectURLs {
                do {
                    let response = try await client.execute(Self.outgoing(request, url: url, hostHeader: target.hostHeader), deadline: deadline)
                    return try await Self.read(response, limit: request.maxResponseBytes, timeout: timeout)
                } catch where Self.couldNotConnect(error) {
                    lastFailure = error   // the next checked address may listen
                } catch {
                    throw Self.worded(error, timeout: timeout)
                }
            }
            throw Self.worded(lastFailure, timeout: timeout)
        }
    }

    /// `request` as AsyncHTTPClient sends it to `url`, with the `Host` header of the plugin's URL.
    private static func outgoing(_ request: PluginHTTPRequest, url: String, hostHeader: String) -> HTTPClientRequest {
        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers where name.lowercased() != "host" { outgoing.headers.add(name: name, value: value) }
        outgoing.headers.replaceOrAdd(name: "host", value: hostHeader)
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(data: request.body)) }
        return outgoing
    }

    /// Whether `error` means the connection was never made (nothing was sent).
    private static func couldNotConnect(_ error: any Error) -> Bool {
        switch error {
        case is NIOConnectionError, is IOError: true
        case let error as HTTPClientError: error == .connectTimeout
        case let error as ChannelError: if case .connectTimeout = error { true } else { false }
        default: false
        }
    }

    /// Waits for the server's shutdown, then shuts the client down (if it was ever made).
    func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Shuts the client down; later requests fail with ``PluginHTTPError/connectionFailed(_:)``.
    func shutdown() async {
        let client: HTTPClient? = state.withLock { state in
            defer { state = .stopped }
            if case .running(let client) = state { return client }
            return nil
        }
        try? await client?.shutdown()
    }

    /// The kept client, made on first use.
    private func client() throws -> HTTPClient {
        try state.withLock { state in
            switch state {
            case .running(let client): return client
            case .stopped: throw PluginHTTPError.connectionFailed("the server is stopping")
            case .idle:
                var pool = HTTPClient.Configuration.ConnectionPool()
                // A refused connection fails at once, so the next checked address is tried.
                pool.retryConnectionEstablishment = false
                let configuration = HTTPClient.Configuration(tlsConfiguration: nil, redirectConfiguration: .disallow,
                                                             timeout: .init(connect: TimeAmount(rules.connectTimeout), read: nil),
                                                             connectionPool: pool, proxy: nil, ignoreUncleanSSLShutdown: false,
                                                             decompression: .disabled)
                let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
                state = .running(client)
                return client
            }
        }
    }

    /// The response with its body read up to `limit` bytes (a declared longer body is refused
    /// before it is read).
    private static func read(_ response: HTTPClientResponse, limit: Int, timeout: Duration) async throws -> PluginHTTPResponse {
        if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > limit {
            throw PluginHTTPError.bodyTooLarge(limit: limit)
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw PluginHTTPError.bodyTooLarge(limit: limit)
        } catch {
            throw worded(error, timeout: timeout)
        }
        var headers: [String: String] = [:]
        for (name, value) in response.headers {
            let key = name.lowercased()
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }
        return PluginHTTPResponse(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
    }

    /// Runs `work`, or throws ``PluginHTTPError/timeout(_:)`` when it takes longer than `timeout`
    /// (the work is cancelled, which closes its connection).
    static func within<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw PluginHTTPError.timeout(timeout)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw PluginHTTPError.timeout(timeout) }
            return first
        }
    }

    /// A plugin-facing error for what AsyncHTTPClient or NIO threw.
    private static func worded(_ error: any Error, timeout: Duration) -> any Error {
        switch error {
        case let error as PluginHTTPError: return error
        case is CancellationError: return error
        case let error as HTTPClientError where [.connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout].contains(error):
            return PluginHTTPError.timeout(timeout)
        case let error as HTTPClientError where error == .cancelled:
            return CancellationError()
        default: return PluginHTTPError.connectionFailed("\(error)")
        }
    }
}
