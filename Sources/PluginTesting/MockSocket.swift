import Foundation
import PluginAPI
import PluginDispatch

/// A scripted peer for ``MockHost/allowSockets(_:)``: it records what the plugin writes and
/// answers reads from `reply` (then the end of the stream), like a daemon that reads a request
/// and sends one answer. Safe to inspect from the test while and after the plugin uses it.
public final class MockSocket: PluginSocket, Sendable {
    private struct State {
        var written = Data()
        var unread: Data
        var closed = false
    }
    private let state: Locked<State>
    private let failure: PluginSocketError?

    /// A peer that answers with `reply`; with `failure`, every read throws it instead (for
    /// example ``PluginSocketError/timeout(_:)``).
    public init(reply: Data = Data(), failure: PluginSocketError? = nil) {
        state = Locked(State(unread: reply))
        self.failure = failure
    }

    /// Everything the plugin wrote, in order.
    public var written: Data { state.withLock { $0.written } }

    /// Whether the connection was closed (the plugin's closure returned or threw).
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Records `data`; throws ``PluginSocketError/connectionFailed(_:)`` after the connection closed.
    public func write(_ data: Data) async throws {
        try state.withLock { state in
            guard !state.closed else { throw PluginSocketError.connectionFailed("closed") }
            state.written.append(data)
        }
    }

    /// The next bytes of the reply, at most `maxBytes`; empty at its end.
    public func read(upTo maxBytes: Int) async throws -> Data {
        if let failure { throw failure }
        return state.withLock { state in
            let chunk = state.unread.prefix(max(0, maxBytes))
            state.unread = Data(state.unread.dropFirst(chunk.count))
            return Data(chunk)
        }
    }

    /// The rest of the reply; throws ``PluginSocketError/tooLarge(limit:)`` past `maxBytes`.
    public func readToEnd(maxBytes: Int) async throws -> Data {
        if let failure { throw failure }
        return try state.withLock { state in
            guard state.unread.count <= maxBytes else { throw PluginSocketError.tooLarge(limit: maxBytes) }
            defer { state.unread = Data() }
            return state.unread
        }
    }

    func close() { state.withLock { $0.closed = true } }
}
