import Foundation

/// A conversation the host deleted (PluginAPI 2.4): erased by an operator, by a site's retention,
/// by the idle cleanup or by `clear_data`. Plugins that keep data about conversations (files, analytics) delete
/// theirs when they read one. The host appends a `conversation_deleted` event to the durable
/// event log in the same transaction as the deletion, so a subscription built with
/// ``EventSubscription/conversationDeletions(_:batchSize:handle:)`` receives every deletion at
/// least once, even across a crash or restart.
public struct DeletedConversation: Sendable, Equatable {
    /// The event type in the log (`data`: `{"session_id": …, "reason": …}`; the event itself
    /// belongs to no conversation, so its ``LoggedEvent/sessionID`` is empty).
    public static let eventType = "conversation_deleted"

    /// The conversation's site.
    public var siteID: String
    /// The deleted conversation.
    public var sessionID: String
    /// Why: `erase` (an operator), `retention` (the site's `retention_days`), `cleanup` (idle
    /// sessions) or `clear` (`clear_data`, every conversation).
    public var reason: String

    /// A deletion with every field given.
    public init(siteID: String, sessionID: String, reason: String) {
        self.siteID = siteID
        self.sessionID = sessionID
        self.reason = reason
    }

    /// The deletion an event of the log announces; `nil` for any other event.
    public init?(_ event: LoggedEvent) {
        guard event.type == Self.eventType,
              let object = try? JSONSerialization.jsonObject(with: event.data) as? [String: Any],
              let sessionID = object["session_id"] as? String, !sessionID.isEmpty else { return nil }
        self.init(siteID: event.siteID, sessionID: sessionID, reason: object["reason"] as? String ?? "")
    }

    /// The event the host logs for this deletion (tests hand it to subscriptions).
    public func loggedEvent(id: Int64, at: Date = Date()) -> LoggedEvent {
        let data = (try? JSONSerialization.data(withJSONObject: ["session_id": sessionID, "reason": reason], options: [.sortedKeys])) ?? Data()
        return LoggedEvent(id: id, type: Self.eventType, siteID: siteID, sessionID: "", at: at, data: data)
    }
}

extension EventSubscription {
    /// A durable subscription to deleted conversations (needs ``PluginCapability/subscribeEvents``).
    /// It starts with the oldest retained event, so deletions logged before the plugin first ran
    /// are handled too: make `handle` idempotent (deleting what is already gone is fine).
    public static func conversationDeletions(_ name: String, batchSize: Int = 100,
                                             handle: @escaping @Sendable ([DeletedConversation]) async throws -> Void) -> EventSubscription {
        EventSubscription(name, types: [DeletedConversation.eventType], batchSize: batchSize, start: .oldestRetained) { events in
            let deletions = events.compactMap(DeletedConversation.init)
            if !deletions.isEmpty { try await handle(deletions) }
        }
    }
}
