import Foundation
import PluginAPI

extension HookHarness {
    /// Hands `events` to the subscription `name` of the activated plugins as the server would:
    /// only the events of the harness's ``site`` (when its tier enables the plugin) and of the
    /// subscription's types, in one batch; nothing when none is left. A handler's error is
    /// rethrown (the server would deliver the same batch again after a backoff).
    public func deliver(_ events: [LoggedEvent], to name: String) async throws {
        for id in enabledPlugins(for: site) {
            for subscription in contributions[id]?.subscriptions ?? [] where subscription.name == name {
                let batch = events.filter {
                    $0.siteID == site.id && (subscription.types.isEmpty || subscription.types.contains($0.type))
                }
                if !batch.isEmpty { try await subscription.handle(batch) }
            }
        }
    }

    /// An event of the harness's ``site`` for ``deliver(_:to:)``: `data` is encoded as JSON.
    public func event(_ id: Int64, type: String = "message", sessionID: String = "session_test",
                      data: [String: String] = [:]) -> LoggedEvent {
        let json = (try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])) ?? Data("{}".utf8)
        return LoggedEvent(id: id, type: type, siteID: site.id, sessionID: sessionID, at: host.now(), data: json)
    }
}

extension HookHarness {
    /// Tells the activated plugins that conversations of the harness's ``site`` were deleted, as
    /// the server does after an erase, a retention run or the idle cleanup: one
    /// `conversation_deleted` event per session, handed to every subscription that takes that
    /// type (PluginAPI 2.4). A handler's error is rethrown.
    public func deleteConversations(_ sessionIDs: [String], reason: String = "erase", firstEventID: Int64 = 1) async throws {
        let events = sessionIDs.enumerated().map { offset, session in
            DeletedConversation(siteID: site.id, sessionID: session, reason: reason).loggedEvent(id: firstEventID + Int64(offset), at: host.now())
        }
        for id in enabledPlugins(for: site) {
            for subscription in contributions[id]?.subscriptions ?? [] where subscription.types.isEmpty || subscription.types.contains(DeletedConversation.eventType) {
                try await subscription.handle(events)
            }
        }
    }
}
