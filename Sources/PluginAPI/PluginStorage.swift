import Foundation

/// A namespaced key-value store: values are opaque bytes, keys are strings up to 256 bytes.
///
/// Plugins get one from ``PluginHost/storage``; implementers (the host, test doubles) must keep
/// each plugin's keys apart from every other plugin's.
///
/// Every method is atomic. ``update(_:expiresAfter:_:)`` (and ``increment(_:by:expiresAfter:)``
/// on top of it) is the way to change a value that depends on the old one: a `value(for:)`
/// followed by `set` loses updates when two requests run at once.
///
/// A value stored with a time to live disappears once the host's clock (``PluginHost/now()``)
/// reaches its expiry: it is no longer returned, listed or seen by `update`.
public protocol PluginStorage: Sendable {
    /// The value of `key`, or `nil` (absent or expired).
    func value(for key: String) async throws -> Data?
    /// Stores `value` under `key` without expiry, replacing any previous value and expiry; keys
    /// over 256 bytes throw ``PluginStorageError/keyTooLong(_:)``.
    func set(_ value: Data, for key: String) async throws
    /// Removes `key` (no error if absent).
    func remove(_ key: String) async throws
    /// Keys starting with `prefix`, sorted by their UTF-8 bytes; expired keys are left out.
    func keys(prefix: String) async throws -> [String]

    /// Stores `value` under `key` until `timeToLive` has passed on the host's clock, replacing
    /// any previous value and expiry. A `timeToLive` that is not positive throws
    /// ``PluginStorageError/invalidTimeToLive(_:)``. Since PluginAPI 2.1.
    func set(_ value: Data, for key: String, expiresAfter timeToLive: Duration) async throws

    /// Replaces the value of `key` with what `transform` returns for the current one, atomically:
    /// no other write to the store happens between the read and the write. Returns the new value.
    ///
    /// `transform` gets `nil` for an absent or expired key; returning `nil` removes the key.
    /// It runs exactly once per call, synchronously, while the store holds its lock or
    /// transaction: keep it short and free of side effects; an error it throws leaves the value
    /// unchanged and is rethrown. A key that exists keeps its expiry; a key this call creates
    /// expires after `timeToLive` (never when `nil`). Since PluginAPI 2.1.
    @discardableResult
    func update(_ key: String, expiresAfter timeToLive: Duration?,
                _ transform: @escaping @Sendable (Data?) throws -> Data?) async throws -> Data?

    /// Runs `writes` in order as ONE atomic step: all of them or none (a throwing transform or a
    /// refused key changes nothing and its error is rethrown); a later write of a key sees the
    /// earlier ones, and no other write of the store interleaves. One call costs about as much
    /// as one ``update(_:expiresAfter:_:)``, so batching the writes that belong together (an item
    /// moved from one key to another, a batch of queued items and their cursor) is both safer
    /// and much faster than writing them one by one. Returns each write's new value (`nil` for a
    /// removed key). Since PluginAPI 2.4.
    @discardableResult
    func apply(_ writes: [PluginStorageWrite]) async throws -> [Data?]
}

extension PluginStorage {
    /// Refuses with ``PluginStorageError/unsupported(_:)``: a storage written for PluginAPI 2.0
    /// has no expiry. The host's and `PluginTesting`'s storages implement it.
    public func set(_ value: Data, for key: String, expiresAfter timeToLive: Duration) async throws {
        throw PluginStorageError.unsupported("set(_:for:expiresAfter:)")
    }

    /// Refuses with ``PluginStorageError/unsupported(_:)``: a storage written for PluginAPI 2.0
    /// cannot update atomically. The host's and `PluginTesting`'s storages implement it.
    @discardableResult
    public func update(_ key: String, expiresAfter timeToLive: Duration?,
                       _ transform: @escaping @Sendable (Data?) throws -> Data?) async throws -> Data? {
        throw PluginStorageError.unsupported("update(_:expiresAfter:_:)")
    }

    /// Refuses with ``PluginStorageError/unsupported(_:)``: a storage written before PluginAPI 2.4
    /// has no atomic batches. The host's and `PluginTesting`'s storages implement it.
    @discardableResult
    public func apply(_ writes: [PluginStorageWrite]) async throws -> [Data?] {
        throw PluginStorageError.unsupported("apply(_:)")
    }

    /// ``update(_:expiresAfter:_:)`` of a key that never expires.
    @discardableResult
    public func update(_ key: String, _ transform: @escaping @Sendable (Data?) throws -> Data?) async throws -> Data? {
        try await update(key, expiresAfter: nil, transform)
    }

    /// Adds `amount` to the counter at `key` atomically and returns its new value.
    ///
    /// A counter is stored as its decimal digits (`"42"`); an absent or expired key counts from
    /// 0 and, when `timeToLive` is given, expires that long after this call (a fixed window: later
    /// increments keep the expiry). A value that is not a counter throws
    /// ``PluginStorageError/notACounter(_:)``, an overflow ``PluginStorageError/counterOverflow(_:)``.
    /// Since PluginAPI 2.1.
    @discardableResult
    public func increment(_ key: String, by amount: Int64 = 1, expiresAfter timeToLive: Duration? = nil) async throws -> Int64 {
        let stored = try await update(key, expiresAfter: timeToLive) { old in
            let current = try old.map { try StoredCounter.decode($0, key: key) } ?? 0
            let (sum, overflow) = current.addingReportingOverflow(amount)
            if overflow { throw PluginStorageError.counterOverflow(key) }
            return StoredCounter.encode(sum)
        }
        return try stored.map { try StoredCounter.decode($0, key: key) } ?? 0
    }

    /// The counter at `key` (see ``increment(_:by:expiresAfter:)``); 0 when absent or expired.
    /// Since PluginAPI 2.1.
    public func counter(_ key: String) async throws -> Int64 {
        try await value(for: key).map { try StoredCounter.decode($0, key: key) } ?? 0
    }
}

/// Why a storage call was refused. New cases may arrive in a minor version: switch with a `default`.
public enum PluginStorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key (shown) is longer than ``PluginStorageLimits/maxKeyBytes``.
    case keyTooLong(String)
    /// ``PluginStorage/increment(_:by:expiresAfter:)`` found a value at this key that is not a counter.
    case notACounter(String)
    /// ``PluginStorage/increment(_:by:expiresAfter:)`` would leave the 64-bit range at this key.
    case counterOverflow(String)
    /// A time to live must be positive.
    case invalidTimeToLive(Duration)
    /// This storage does not implement the operation (a storage written for an older PluginAPI).
    case unsupported(String)

    /// The reason in one line, for logs.
    public var description: String {
        switch self {
        case .keyTooLong(let key): "plugin storage key \(key.prefix(40).debugDescription)… is longer than \(PluginStorageLimits.maxKeyBytes) bytes"
        case .notACounter(let key): "plugin storage key \(key.debugDescription) holds a value that is not a counter"
        case .counterOverflow(let key): "the counter at plugin storage key \(key.debugDescription) would overflow"
        case .invalidTimeToLive(let duration): "a time to live must be positive, not \(duration)"
        case .unsupported(let operation): "this plugin storage does not implement \(operation)"
        }
    }
}

/// The limits every ``PluginStorage`` enforces, and checks implementers share.
public enum PluginStorageLimits {
    /// Longest key, in UTF-8 bytes.
    public static let maxKeyBytes = 256

    /// Throws ``PluginStorageError/keyTooLong(_:)`` for a key over ``maxKeyBytes``.
    public static func check(key: String) throws(PluginStorageError) {
        guard key.utf8.count <= maxKeyBytes else { throw .keyTooLong(key) }
    }

    /// The instant `timeToLive` after `now`; throws ``PluginStorageError/invalidTimeToLive(_:)``
    /// unless it is positive.
    public static func expiry(after timeToLive: Duration, from now: Date) throws(PluginStorageError) -> Date {
        guard timeToLive > .zero else { throw .invalidTimeToLive(timeToLive) }
        let (seconds, attoseconds) = timeToLive.components
        return now.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}

/// How counters are stored: the decimal digits of the value, as UTF-8.
enum StoredCounter {
    static func encode(_ value: Int64) -> Data { Data(String(value).utf8) }

    static func decode(_ data: Data, key: String) throws(PluginStorageError) -> Int64 {
        guard let value = Int64(String(decoding: data, as: UTF8.self)) else { throw .notACounter(key) }
        return value
    }
}
