import Foundation
import Synchronization

/// The two legacy bridge secrets: the agent API key and the admin key.
public enum KeyKind: String, Sendable, CaseIterable {
    case api = "api_key"
    case admin = "admin_key"
}

/// Why the server refuses to start with the keys it found.
public struct KeySetupError: Error, CustomStringConvertible {
    /// What is wrong, with the command that fixes it.
    public let description: String

    /// An error saying `description`.
    public init(description: String) {
        self.description = description
    }
}

/// Holds the hashed bridge keys and verifies bearer tokens in constant time.
///
/// Keys live hashed in the legacy `system_config` rows `api_key` and `admin_key`, so config POST
/// and old tools see the same rows; the in-memory copy is refreshed on every change.
public final class KeyStore: Sendable {
    private let hashes: Mutex<[KeyKind: String]>
    /// Retiring keys and the clock they end by. The clock sits behind a reference: a closure kept
    /// in a `Mutex` directly gains two reabstraction thunks on every `withLock` (see `BatchObserver`
    /// in Database.swift), and this lock is taken on every key check.
    private let retiring = Mutex<(keys: [KeyKind: [RetiringSecret<String>]], clock: RetirementClock)>((keys: [:], clock: RetirementClock { Date() }))

    /// A key store holding these stored (hashed or legacy plaintext) values.
    public init(stored: [KeyKind: String]) {
        hashes = Mutex(stored)
    }

    /// Old keys (stored hashes) still accepted during a rotation, each until its end by `clock`.
    public func retire(_ keys: [KeyKind: [RetiringSecret<String>]], clock: @escaping @Sendable () -> Date) {
        retiring.withLock { $0 = (keys, RetirementClock(clock)) }
    }

    /// Whether `candidate` is the current key of `kind`, or an old one whose overlap still runs.
    public func verify(_ candidate: String, as kind: KeyKind) -> Bool {
        let current = hashes.withLock({ $0[kind] }).map { Secrets.verify(candidate, against: $0) } ?? false
        let (olds, retirement) = retiring.withLock { ($0.keys[kind] ?? [], $0.clock) }
        let clock = retirement.now
        guard !olds.isEmpty else { return current }
        let now = clock()
        let old = olds.map { Secrets.verify(candidate, against: $0.value) && $0.isValid(at: now) }.contains(true)
        return current || old
    }

    /// Records a new stored value for `kind` (after it was written to the database).
    public func update(_ kind: KeyKind, stored: String) {
        hashes.withLock { $0[kind] = stored }
    }

    /// Decides the keys at start-up and persists them hashed.
    ///
    /// - `provided` keys (environment or config file) win and are stored hashed.
    /// - Otherwise the database's keys are kept (legacy plaintext is hashed in place), unless
    ///   they are the original's published defaults, which refuse to start without `allowPublished`,
    ///   or shorter than ``Secrets/minimumLength``, which always refuse (rotate them).
    /// - Otherwise new keys are generated and returned in `generated`, to be shown once.
    public static func setUp(store: any ChatStore, provided: [KeyKind: String], allowPublished: Bool, now: Date)
        async throws -> (keys: KeyStore, generated: [KeyKind: String]) {
        var existing: [KeyKind: String] = [:]
        for (key, value) in try await store.configuration() {
            if let kind = KeyKind(rawValue: key), let text = value.storedText { existing[kind] = text }
        }
        var stored: [KeyKind: String] = [:]
        var generated: [KeyKind: String] = [:]
        var writes: [(key: String, value: JSON)] = []
        for kind in KeyKind.allCases {
            if let key = provided[kind] {
                try validateNew(key, kind: kind)
                stored[kind] = Secrets.hash(key)
            } else if let current = existing[kind], Secrets.isHashed(current) {
                stored[kind] = current
                continue
            } else if let current = existing[kind], !current.isEmpty {
                if Secrets.publishedDefaults.contains(current) && !allowPublished {
                    throw KeySetupError(description: """
                        This database still uses the publicly known default \(kind.rawValue) of the original Web Chat Bridge \
                        ("\(current)"). Anyone can use it. Rotate the keys with `sanctum keys rotate --database <file>`, \
                        or start with SANCTUM_API_KEY and SANCTUM_ADMIN_KEY set to new secrets, \
                        or (not recommended) pass --allow-published-keys.
                        """)
                }
                guard current.count >= Secrets.minimumLength || Secrets.publishedDefaults.contains(current) else {
                    throw KeySetupError(description: """
                        This database stores a weak \(kind.rawValue) (\(current.count) characters; at least \(Secrets.minimumLength) are required). \
                        Rotate the keys with `sanctum keys rotate --database <file>`, \
                        or start with SANCTUM_API_KEY and SANCTUM_ADMIN_KEY set to new secrets.
                        """)
                }
                stored[kind] = Secrets.hash(current)
            } else {
                let key = Secrets.generate(prefix: kind == .api ? "sk_" : "adm_")
                generated[kind] = key
                stored[kind] = Secrets.hash(key)
            }
            writes.append((kind.rawValue, .string(stored[kind]!)))
        }
        if !writes.isEmpty { try await store.setConfiguration(writes, now: now) }
        return (KeyStore(stored: stored), generated)
    }

    /// Generates new keys of `kinds`, stores them hashed (all or nothing) and returns them, to be shown once.
    public static func rotate(_ kinds: [KeyKind], in store: any SettingsStore, now: Date) async throws -> [KeyKind: String] {
        var keys: [KeyKind: String] = [:]
        var writes: [(key: String, value: JSON)] = []
        for kind in kinds {
            let key = Secrets.generate(prefix: kind == .api ? "sk_" : "adm_")
            keys[kind] = key
            writes.append((kind.rawValue, .string(Secrets.hash(key))))
        }
        try await store.setConfiguration(writes, now: now)
        return keys
    }

    /// Throws unless `key` is acceptable as a new secret: long enough and not a published default.
    public static func validateNew(_ key: String, kind: KeyKind) throws {
        guard key.count >= Secrets.minimumLength else {
            throw KeySetupError(description: "\(kind.rawValue) must be at least \(Secrets.minimumLength) characters")
        }
        guard !Secrets.publishedDefaults.contains(key) else {
            throw KeySetupError(description: "\(kind.rawValue) must not be a published default key")
        }
    }
}

/// The clock retiring keys end by, behind a reference (kept in a `Mutex`).
private final class RetirementClock: Sendable {
    let now: @Sendable () -> Date
    init(_ now: @escaping @Sendable () -> Date) { self.now = now }
}
