import Foundation

/// One entry of the event log as a durable subscriber reads it: the same events the stream
/// and the `events` long-poll deliver (types in `docs/realtime.md`), in commit order.
public struct LoggedEvent: Sendable, Equatable {
    /// Strictly increasing in commit order: the subscriber's cursor.
    public var id: Int64
    /// `message`, `reply`, `typing`, `delivered`, `read` or `plugin`; new types may arrive.
    public var type: String
    /// The site of the conversation (or of the plugin event).
    public var siteID: String
    /// The conversation; empty for plugin events, which belong to no conversation.
    public var sessionID: String
    /// When the event was committed.
    public var at: Date
    /// The event's `data` object as UTF-8 JSON (decode it with `JSONSerialization` or a
    /// `Decodable` type of your own). Since PluginAPI 2.2 the data of a `message` or `reply`
    /// event has a `metadata` member (decodable as ``MessageMetadata``) when plugins attached some.
    public var data: Data

    /// An event with every field given (the host builds these; tests build their own).
    public init(id: Int64, type: String, siteID: String, sessionID: String, at: Date, data: Data) {
        self.id = id
        self.type = type
        self.siteID = siteID
        self.sessionID = sessionID
        self.at = at
        self.data = data
    }
}

/// A durable reader of the event log: the host hands ``handle`` the events of the sites whose
/// tier enables the plugin, in commit order, in batches, from where the subscription left off —
/// **at least once**, across restarts. Needs the ``PluginCapability/subscribeEvents`` capability.
///
/// The host stores the subscription's cursor after ``handle`` returns; when it throws, the same
/// batch comes again after a backoff (1 s doubling to 60 s). A restart between the two also
/// repeats the batch, so make handlers idempotent (use ``LoggedEvent/id``). Events that the
/// retention purged before the subscription read them are skipped, with a warning in the log.
/// This is what webhooks and analytics want; ``MessageObserver`` stays the cheaper best-effort
/// option (a bounded in-memory queue that drops when full).
public struct EventSubscription: Sendable {
    /// Where a subscription without a stored cursor starts.
    public enum Start: Sendable, Equatable {
        /// With events committed after it first runs.
        case newest
        /// With the oldest event the retention kept.
        case oldestRetained
    }

    /// Names the subscription within its plugin (its cursor is stored under this name): keep it.
    public var name: String
    /// Event types to receive; empty means every type.
    public var types: Set<String>
    /// Largest batch handed to ``handle`` (1…500).
    public var batchSize: Int
    /// Where the first run starts.
    public var start: Start
    /// Handles a batch (never empty); throw to have it delivered again.
    public var handle: @Sendable ([LoggedEvent]) async throws -> Void

    /// A subscription named `name` (for example `EventSubscription("webhooks", types: ["message"]) { … }`).
    public init(_ name: String, types: Set<String> = [], batchSize: Int = 100, start: Start = .newest,
                handle: @escaping @Sendable ([LoggedEvent]) async throws -> Void) {
        self.name = name
        self.types = types
        self.batchSize = min(max(batchSize, 1), 500)
        self.start = start
        self.handle = handle
    }
}
