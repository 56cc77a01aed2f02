import Foundation
import PluginAPI
import PluginDispatch

/// A ``PluginHost`` for plugin unit tests.
///
/// Nothing is allowed unless the test scripts it: storage is unavailable until
/// ``allowStorage(_:)``, publishing fails until ``allowPublishing()``. An unscripted call is
/// reported through ``onUnexpectedCall`` — by default a crash with a clear message, so a plugin
/// that does more than its test expects fails loudly. Point it at `XCTFail` in XCTest:
/// `host.onUnexpectedCall = { XCTFail($0) }`.
///
/// ``HookHarness`` hands each plugin this host through the server's capability check
/// (``PluginActivation/restrict(_:to:)``), so a plugin that uses storage without declaring
/// ``PluginCapability/storage`` gets ``CapabilityNotDeclared`` there, exactly as from the server.
/// Used directly, a `MockHost` checks only what the test scripted.
public final class MockHost: PluginHost, @unchecked Sendable {
    private struct State {
        var storage: (any PluginStorage)?
        var publishingAllowed = false
        var published: [PluginEvent] = []
        var logs: [(PluginLogLevel, String)] = []
        var now: Date
    }
    private let state: Locked<State>

    /// Called with a description of every unscripted call.
    public var onUnexpectedCall: @Sendable (String) -> Void = { message in
        preconditionFailure("MockHost: unexpected call: \(message)")
    }

    /// A host whose clock reads `now`.
    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Locked(State(now: now))
    }

    /// Makes ``storage`` available, backed by `storage` (a fresh in-memory store by default).
    @discardableResult
    public func allowStorage(_ storage: any PluginStorage = InMemoryPluginStorage()) -> any PluginStorage {
        state.withLock { $0.storage = storage }
        return storage
    }

    /// Accepts ``publish(_:)`` calls and records them in ``published``.
    public func allowPublishing() {
        state.withLock { $0.publishingAllowed = true }
    }

    /// Moves the clock.
    public func advance(by seconds: TimeInterval) {
        state.withLock { $0.now = $0.now.addingTimeInterval(seconds) }
    }

    /// Events published so far.
    public var published: [PluginEvent] { state.withLock { $0.published } }

    /// Log lines written so far.
    public var logs: [(level: PluginLogLevel, message: String)] { state.withLock { $0.logs.map { ($0.0, $0.1) } } }

    /// Records the line in ``logs`` (metadata is dropped).
    public func log(_ level: PluginLogLevel, _ message: String, metadata: [String: String]) {
        state.withLock { $0.logs.append((level, message)) }
    }

    /// The mock clock (moved by ``advance(by:)``).
    public func now() -> Date { state.withLock { $0.now } }

    /// The storage given to ``allowStorage(_:)``; before that, an unexpected call and a storage
    /// that throws on every call.
    public var storage: any PluginStorage {
        if let storage = state.withLock({ $0.storage }) { return storage }
        onUnexpectedCall("storage used, but the test did not call allowStorage()")
        return RefusingStorage()
    }

    /// Records `event` in ``published`` after ``allowPublishing()``; before that, an unexpected call.
    public func publish(_ event: PluginEvent) async {
        let allowed = state.withLock { s in
            if s.publishingAllowed { s.published.append(event) }
            return s.publishingAllowed
        }
        if !allowed { onUnexpectedCall("publish(\(event.name)) without allowPublishing()") }
    }
}

/// Storage that refuses everything (what an unscripted ``MockHost`` hands out).
struct RefusingStorage: PluginStorage {
    struct Refused: Error {}
    func value(for key: String) async throws -> Data? { throw Refused() }
    func set(_ value: Data, for key: String) async throws { throw Refused() }
    func remove(_ key: String) async throws { throw Refused() }
    func keys(prefix: String) async throws -> [String] { throw Refused() }
}

/// ``PluginStorage`` in memory, for tests (the twin of the server's database-backed storage).
public actor InMemoryPluginStorage: PluginStorage {
    private var values: [String: Data] = [:]

    /// An empty store.
    public init() {}

    /// The value of `key`, or `nil`.
    public func value(for key: String) -> Data? { values[key] }
    /// Stores `value` under `key`.
    public func set(_ value: Data, for key: String) { values[key] = value }
    /// Removes `key`.
    public func remove(_ key: String) { values[key] = nil }
    /// Keys starting with `prefix`, sorted.
    public func keys(prefix: String) -> [String] { values.keys.filter { $0.hasPrefix(prefix) }.sorted() }
}
