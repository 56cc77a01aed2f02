import Crypto
import Foundation
import Synchronization

/// One admin action as the audit log keeps it: who, what, on which ids, when — never contents.
public struct AuditEntry: Sendable, Equatable {
    /// A stable id, ordered by time (`<milliseconds>-<sequence of this process>-<random>`).
    public var id: String
    /// Who acted: `admin:<key fingerprint>` (the first 12 hex digits of the key's SHA-256) or
    /// `system` (the retention job).
    public var actor: String
    /// What: `block.add`, `block.remove`, `privacy.export`, `privacy.erase`, `retention.run`, `config.update`, `data.clear`, `sessions.cleanup`.
    public var action: String
    /// The ids acted on (session ids, block ids, config keys).
    public var targets: [String]
    /// Counts and other figures (never message contents).
    public var details: [String: JSON]
    /// The client address of the request (`nil` for the server's own jobs).
    public var clientIP: String?
    /// When.
    public var at: Date

    /// The entry as the admin API shows it.
    public var json: JSON {
        .sorted([("id", .string(id)), ("actor", .string(actor)), ("action", .string(action)), ("targets", .array(targets.map(JSON.string))),
                 ("details", .object(details)), ("client_ip", clientIP.map(JSON.string) ?? .null), ("at", .string(Timestamps.iso(at)))])
    }
}

/// The audit log of admin actions (docs/privacy.md, "Audit log"). Entries live in the host's own
/// namespace of the plugin data table, like the blocks, so every driver and instance shares them;
/// each is kept for ``retention``.
public struct AuditLog: Sendable {
    /// The plugin-data namespace (not a valid plugin id, so no plugin can read or write it).
    static let namespace = "sanctum:audit"
    /// How long an entry is kept.
    public static let retention: TimeInterval = 400 * 86_400
    /// The most target ids one entry keeps (the rest are counted in `details.more_targets`).
    public static let maxTargets = 1_000

    /// Orders the entries one process records within the same millisecond.
    private static let sequence = Atomic<Int64>(0)

    private let store: any PluginDataStore
    private let clock: @Sendable () -> Date

    /// An audit log kept in `store`, timed by `clock`.
    public init(store: any PluginDataStore, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.clock = clock
    }

    /// The actor name of an admin key: `admin:` and the first 12 hex digits of its SHA-256 (which
    /// key acted, without keeping the key).
    public static func actor(adminKey: String) -> String {
        "admin:" + String(Secrets.hex(Array(SHA256.hash(data: Data(adminKey.utf8)))).prefix(12))
    }

    /// Records an action; returns the entry.
    @discardableResult
    public func record(actor: String, action: String, targets: [String], details: [String: JSON] = [:], clientIP: String? = nil) async throws -> AuditEntry {
        let now = clock()
        var details = details
        if targets.count > Self.maxTargets { details["more_targets"] = .int(Int64(targets.count - Self.maxTargets)) }
        let millis = String(Int64(now.timeIntervalSince1970 * 1000)).leftPadded(to: 15)
        let sequence = String(Self.sequence.add(1, ordering: .relaxed).newValue % 1_000_000_000_000).leftPadded(to: 12)
        let random = Secrets.hex((0..<4).map { _ in UInt8.random(in: 0...255) })
        let entry = AuditEntry(id: millis + "-" + sequence + "-" + random, actor: actor, action: action, targets: Array(targets.prefix(Self.maxTargets)),
                               details: details, clientIP: clientIP, at: now)
        try await store.setPluginValue(pluginID: Self.namespace, key: entry.id, value: Data(Self.encode(entry).serializedBytes),
                                       expiresAt: now.addingTimeInterval(Self.retention), now: now)
        return entry
    }

    /// A page of entries, newest first, with the total.
    public func page(limit: Int, offset: Int) async throws -> (entries: [AuditEntry], total: Int) {
        let now = clock()
        let keys = try await store.pluginKeys(pluginID: Self.namespace, prefix: "", now: now).reversed()
        var entries: [AuditEntry] = []
        for key in keys.dropFirst(max(0, offset)).prefix(max(0, limit)) {
            guard let data = try await store.pluginValue(pluginID: Self.namespace, key: key, now: now),
                  let entry = Self.decode(key: key, data) else { continue }
            entries.append(entry)
        }
        return (entries, keys.count)
    }

    private static func encode(_ entry: AuditEntry) -> JSON {
        .sorted([("actor", .string(entry.actor)), ("action", .string(entry.action)), ("targets", .array(entry.targets.map(JSON.string))),
                 ("details", .object(entry.details)), ("client_ip", entry.clientIP.map(JSON.string) ?? .null),
                 ("at", .double(entry.at.timeIntervalSince1970))])
    }

    private static func decode(key: String, _ data: Data) -> AuditEntry? {
        guard let json = JSON.parse(Array(data)), let actor = json["actor"]?.stringValue, let action = json["action"]?.stringValue else { return nil }
        let seconds: Double = switch json["at"] { case .double(let d)?: d; case .int(let i)?: Double(i); default: 0 }
        var targets: [String] = []
        if case .array(let items)? = json["targets"] { targets = items.compactMap(\.stringValue) }
        let details = json["details"]?.members ?? [:]
        return AuditEntry(id: key, actor: actor, action: action, targets: targets, details: details,
                          clientIP: json["client_ip"]?.stringValue, at: Date(timeIntervalSince1970: seconds))
    }
}
