import Foundation
import PluginAPI
import PluginDispatch

extension MockHost {
    /// Makes ``http`` available: each request is recorded in ``httpRequests`` and answered by
    /// `respond` (return a response, or throw a ``PluginHTTPError`` to script a failure).
    ///
    /// ```swift
    /// host.allowHTTP { request in
    ///     request.url.host == "hooks.example" ? PluginHTTPResponse(status: 204) : PluginHTTPResponse(status: 404)
    /// }
    /// ```
    public func allowHTTP(_ respond: @escaping @Sendable (PluginHTTPRequest) async throws -> PluginHTTPResponse) {
        network.withLock { $0.respondHTTP = respond }
    }

    /// Makes ``http`` available and answers every request with `response`.
    public func allowHTTP(responding response: PluginHTTPResponse) {
        allowHTTP { _ in response }
    }

    /// The outbound HTTP requests sent so far, in order.
    public var httpRequests: [PluginHTTPRequest] { network.withLock { $0.httpRequests } }

    /// Makes ``sockets`` available: each connection is recorded in ``socketConnections`` and
    /// served by the ``MockSocket`` `connect` returns for its address (throw a
    /// ``PluginSocketError`` to script a refusal).
    ///
    /// ```swift
    /// let clamd = MockSocket(reply: Data("stream: OK\0".utf8))
    /// host.allowSockets { _ in clamd }
    /// // … run the plugin, then assert on clamd.written
    /// ```
    public func allowSockets(_ connect: @escaping @Sendable (PluginSocketAddress) throws -> MockSocket) {
        network.withLock { $0.connectSocket = connect }
    }

    /// The addresses connected to so far, in order.
    public var socketConnections: [PluginSocketAddress] { network.withLock { $0.socketConnections } }

    /// The outbound HTTP client: after ``allowHTTP(_:)`` the scripted one; before it, each request
    /// is an unexpected call and throws ``PluginHTTPError/connectionFailed(_:)``.
    public var http: any PluginHTTPClient { MockHTTPClient(host: self) }

    /// The socket client: after ``allowSockets(_:)`` the scripted one; before it, each connection
    /// is an unexpected call and throws ``PluginSocketError/connectionFailed(_:)``.
    public var sockets: any PluginSocketConnector { MockSocketConnector(host: self) }

    fileprivate func sendHTTP(_ request: PluginHTTPRequest) async throws -> PluginHTTPResponse {
        let respond: MockNetworkState.Responder? = scripted("http.send(\(request.method) \(request.url.absoluteString)) without allowHTTP()") { state in
            guard let respond = state.respondHTTP else { return nil }
            state.httpRequests.append(request)
            return respond
        }
        guard let respond else { throw PluginHTTPError.connectionFailed("the test did not call allowHTTP()") }
        return try await respond(request)
    }

    fileprivate func openSocket(_ address: PluginSocketAddress) throws -> MockSocket {
        let connect: MockNetworkState.Connector? = scripted("sockets.withConnection(to: \(address)) without allowSockets()") { state in
            guard let connect = state.connectSocket else { return nil }
            state.socketConnections.append(address)
            return connect
        }
        guard let connect else { throw PluginSocketError.connectionFailed("the test did not call allowSockets()") }
        return try connect(address)
    }

    /// What `pick` finds (and records) in the scripted state; `nil`, reported as the unexpected
    /// call `unscripted`, when the test did not script it.
    private func scripted<T>(_ unscripted: @autoclosure () -> String, _ pick: (inout MockNetworkState) -> T?) -> T? {
        let found = network.withLock(pick)
        if found == nil { onUnexpectedCall(unscripted()) }
        return found
    }
}

/// What a ``MockHost`` scripted and recorded for ``PluginHost/http`` and ``PluginHost/sockets``.
struct MockNetworkState {
    typealias Responder = @Sendable (PluginHTTPRequest) async throws -> PluginHTTPResponse
    typealias Connector = @Sendable (PluginSocketAddress) throws -> MockSocket
    var respondHTTP: Responder?
    var httpRequests: [PluginHTTPRequest] = []
    var connectSocket: Connector?
    var socketConnections: [PluginSocketAddress] = []
}

private struct MockHTTPClient: PluginHTTPClient {
    let host: MockHost
    func send(_ request: PluginHTTPRequest) async throws -> PluginHTTPResponse { try await host.sendHTTP(request) }
}

private struct MockSocketConnector: PluginSocketConnector {
    let host: MockHost
    func withConnection<Result: Sendable>(to address: PluginSocketAddress, timeouts: PluginSocketTimeouts,
                                          _ body: (any PluginSocket) async throws -> Result) async throws -> Result {
        let socket = try host.openSocket(address)
        defer { socket.close() }
        return try await body(socket)
    }
}
