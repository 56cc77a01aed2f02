import Foundation
import PluginAPI
import PluginDispatch

/// A ``PluginHost`` for plugin unit tests.
///
/// Nothing is allowed unless the test scripts it: storage is unavailable until
/// ``allowStorage(_:)``, publishing fails until ``allowPublishing()``, outbound HTTP until
/// ``allowHTTP(_:)`` and sockets until ``allowSockets(_:)``. An unscripted call is
/// reported through ``onUnexpectedCall`` — by default a crash with a clear message, so a plugin
/// that does more than its test expects fails loudly. Point it at `XCTFail` in XCTest
/// (`host.onUnexpectedCall = { XCTFail($0) }`), or collect the calls with
/// ``recordUnexpectedCalls()`` and assert on them. Every member is safe to use from concurrent hooks.
///
/// ``HookHarness`` hands each plugin this host through the server's capability check
/// (``PluginActivation/restrict(_:to:)``), so a plugin that uses storage without declaring
/// ``PluginCapability/storage`` gets ``CapabilityNotDeclared`` there, exactly as from the server.
/// Used directly, a `MockHost` checks only what the test scripted.
public final class MockHost: PluginHost, Sendable {
    private struct State {
        var storage: (any PluginStorage)?
        var publishingAllowed = false
        var published: [PluginEvent] = []
        var logs: [(PluginLogLevel, String)] = []
        var onUnexpectedCall: @Sendable (String) -> Void = { message in
            preconditionFailure("MockHost: unexpected call: \(message)")
        }
    }
    private let state = Locked(State())
    private let clock: Locked<Date>
    /// Scripted and recorded outbound HTTP and sockets (`MockHost+Network.swift`).
    let network = Locked(MockNetworkState())

    /// Called with a description of every unscripted call (from any thread; reading and
    /// replacing it is thread-safe). Default: a crash with the description.
    public var onUnexpectedCall: @Sendable (String) -> Void {
        get { state.withLock { $0.onUnexpectedCall } }
        set { state.withLock { $0.onUnexpectedCall = newValue } }
    }

    /// A host whose clock reads `now`.
    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        clock = Locked(now)
    }

    /// Sends every unscripted call to a new ``UnexpectedCallRecorder`` instead of
    /// ``onUnexpectedCall``'s crash, and returns it: assert on its ``UnexpectedCallRecorder/calls``.
    public func recordUnexpectedCalls() -> UnexpectedCallRecorder {
        let recorder = UnexpectedCallRecorder()
        onUnexpectedCall = { recorder.record($0) }
        return recorder
    }

    /// Makes ``storage`` available, backed by `storage`; by default a fresh
    /// ``InMemoryPluginStorage`` on this host's clock, so ``advance(by:)`` expires its values.
    @discardableResult
    public func allowStorage(_ storage: (any PluginStorage)? = nil) -> any PluginStorage {
        let clock = self.clock
        let storage = storage ?? InMemoryPluginStorage(now: { clock.withLock { $0 } })
        state.withLock { $0.storage = storage }
        return storage
    }

    /// Accepts ``publish(_:)`` calls and records them in ``published``.
    public func allowPublishing() {
        state.withLock { $0.publishingAllowed = true }
    }

    /// Moves the clock.
    public func advance(by seconds: TimeInterval) {
        clock.withLock { $0 = $0.addingTimeInterval(seconds) }
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
    public func now() -> Date { clock.withLock { $0 } }

    /// SHA-256 and HMAC-SHA256 in plain Swift (``MockCrypto``), byte-identical to the server's;
    /// always allowed, as in the server (it reaches nothing outside the process).
    public var crypto: any PluginCrypto { MockCrypto() }

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

/// The unexpected calls of a ``MockHost``, collected from any thread (see
/// ``MockHost/recordUnexpectedCalls()``); an empty list means the plugin did only what the
/// test scripted.
public final class UnexpectedCallRecorder: Sendable {
    private let recorded = Locked<[String]>([])

    /// An empty recorder; ``MockHost/recordUnexpectedCalls()`` makes and installs one.
    public init() {}

    /// Adds the description of one unexpected call.
    public func record(_ call: String) { recorded.withLock { $0.append(call) } }

    /// The descriptions recorded so far, in the order they came.
    public var calls: [String] { recorded.withLock { $0 } }
}

/// Storage that refuses everything (what an unscripted ``MockHost`` hands out).
struct RefusingStorage: PluginStorage {
    struct Refused: Error {}
    func value(for key: String) async throws -> Data? { throw Refused() }
    func set(_ value: Data, for key: String) async throws { throw Refused() }
    func remove(_ key: String) async throws { throw Refused() }
    func keys(prefix: String) async throws -> [String] { throw Refused() }
    func set(_ value: Data, for key: String, expiresAfter timeToLive: Duration) async throws { throw Refused() }
    func update(_ key: String, expiresAfter timeToLive: Duration?, _ transform: @escaping @Sendable (Data?) throws -> Data?) async throws -> Data? {
        throw Refused()
    }
    func apply(_ writes: [PluginStorageWrite]) async throws -> [Data?] { throw Refused() }
}
