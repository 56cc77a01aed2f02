import Foundation
import Synchronization

/// One visitor an operator blocked: a conversation (session id) or a client address range.
public struct VisitorBlock: Sendable, Equatable {
    /// What a block matches.
    public enum Kind: String, Sendable, CaseIterable {
        /// One conversation, by session id.
        case session
        /// Client addresses in a CIDR range (or one address).
        case ip
    }

    /// What it matches.
    public var kind: Kind
    /// The session id, or the range in canonical `address/length` form.
    public var value: String
    /// The operator's note (never shown to the visitor).
    public var note: String
    /// When it was made.
    public var createdAt: Date

    /// A stable id: `<kind>:<value>`.
    public var id: String { kind.rawValue + ":" + value }

    /// The block as the admin API shows it.
    public var json: JSON {
        .sorted([("id", .string(id)), ("kind", .string(kind.rawValue)), ("value", .string(value)), ("note", .string(note)),
                 ("created_at", .string(Timestamps.iso(createdAt)))])
    }
}

/// The visitors operators blocked (docs/console.md): a blocked visitor's messages are refused
/// with a neutral error, so nothing tells them they are blocked.
///
/// Blocks are stored in the host's own namespace of the plugin data table (so both drivers and
/// every instance share them) and cached here for ``refreshInterval``: another instance's block
/// applies within that time, this instance's at once.
public final class VisitorBlocks: Sendable {
    /// The plugin-data namespace (not a valid plugin id, so no plugin can read or write it).
    static let namespace = "sanctum:blocks"
    /// How long a cached list is used before it is read again.
    public static let refreshInterval: TimeInterval = 5
    /// The most blocks kept (older ones must be removed first).
    public static let limit = 10_000

    private let store: any PluginDataStore
    private let clock: @Sendable () -> Date
    private let cache = Mutex<(blocks: [VisitorBlock], loadedAt: Date?)>(([], nil))

    /// Blocks kept in `store`, timed by `clock`.
    public init(store: any PluginDataStore, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.clock = clock
    }

    /// Every block, newest first.
    public func list() async throws -> [VisitorBlock] {
        let now = clock()
        var blocks: [VisitorBlock] = []
        for key in try await store.pluginKeys(pluginID: Self.namespace, prefix: "", now: now) {
            guard let data = try await store.pluginValue(pluginID: Self.namespace, key: key, now: now),
                  let block = Self.decode(data) else { continue }
            blocks.append(block)
        }
        blocks.sort { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        cache.withLock { $0 = (blocks, now) }
        return blocks
    }

    /// Blocks `value` (a session id, or an address or CIDR range for `.ip`); returns the block.
    /// A value that does not parse is `invalidInput`.
    public func add(_ kind: VisitorBlock.Kind, _ value: String, note: String = "") async throws -> VisitorBlock {
        let canonical: String
        switch kind {
        case .session:
            guard BridgeRules.isValidSessionID(value) else { throw ServiceError.invalidSessionID }
            canonical = value
        case .ip:
            guard let prefix = AddressPrefix(value) else { throw ServiceError(.invalidInput, "Invalid address range: expected an IP address or CIDR range") }
            canonical = prefix.description
        }
        guard note.count <= 500 else { throw ServiceError(.invalidInput, "Note too long (500 characters at most)") }
        let existing = try await list()
        guard existing.count < Self.limit || existing.contains(where: { $0.kind == kind && $0.value == canonical }) else {
            throw ServiceError(.invalidInput, "Too many blocks (\(Self.limit)); remove old ones first")
        }
        let block = VisitorBlock(kind: kind, value: canonical, note: note, createdAt: clock())
        try await store.setPluginValue(pluginID: Self.namespace, key: block.id, value: Self.encode(block), expiresAt: nil, now: clock())
        cache.withLock { $0.loadedAt = nil }
        return block
    }

    /// Removes the block `id`; whether there was one.
    public func remove(id: String) async throws -> Bool {
        let now = clock()
        guard try await store.pluginValue(pluginID: Self.namespace, key: id, now: now) != nil else { return false }
        try await store.setPluginValue(pluginID: Self.namespace, key: id, value: nil, expiresAt: nil, now: now)
        cache.withLock { $0.loadedAt = nil }
        return true
    }

    /// Whether a visitor writing to `sessionID` from `ip` is blocked.
    public func isBlocked(sessionID: String, ip: String?) async throws -> Bool {
        let now = clock()
        let cached = cache.withLock { cache -> [VisitorBlock]? in
            guard let loaded = cache.loadedAt, now.timeIntervalSince(loaded) < Self.refreshInterval, now >= loaded else { return nil }
            return cache.blocks
        }
        let blocks = if let cached { cached } else { try await list() }
        return blocks.contains { block in
            switch block.kind {
            case .session: block.value == sessionID
            case .ip: ip.map { AddressPrefix(block.value)?.contains($0) ?? false } ?? false
            }
        }
    }

    private static func encode(_ block: VisitorBlock) -> Data {
        Data(JSON.sorted([("kind", .string(block.kind.rawValue)), ("value", .string(block.value)), ("note", .string(block.note)),
                          ("created_at", .double(block.createdAt.timeIntervalSince1970))]).serializedBytes)
    }

    private static func decode(_ data: Data) -> VisitorBlock? {
        guard let json = JSON.parse(Array(data)), let kind = json["kind"]?.stringValue.flatMap(VisitorBlock.Kind.init(rawValue:)),
              let value = json["value"]?.stringValue else { return nil }
        let seconds: Double = switch json["created_at"] { case .double(let d)?: d; case .int(let i)?: Double(i); default: 0 }
        return VisitorBlock(kind: kind, value: value, note: json["note"]?.stringValue ?? "", createdAt: Date(timeIntervalSince1970: seconds))
    }
}
