import Foundation
import PluginAPI

/// One event as receivers get it: `{id, type, site, created_at, data}`, encoded once (sorted
/// keys) so every retry signs and sends the same bytes.
struct WebhookEvent: Sendable, Equatable {
    /// Where it comes in the log: the logged event's id, then 0 for a `conversation.created`
    /// drawn from it and 1 for the event itself.
    var position: EventPosition
    /// `message.created`, `message.replied`, `conversation.read`, `conversation.created` or a
    /// plugin event's name.
    var type: String
    /// The site the event belongs to.
    var site: String
    /// The conversation (session id); empty for plugin events, which are ordered per site.
    var conversation: String
    /// The JSON body.
    var body: Data

    /// The id receivers see in the body: `evt_<log id>` (`evt_<log id>_created` for a
    /// `conversation.created`), the same for every endpoint.
    var id: String { position.part == 0 ? "evt_\(position.eventID)_created" : "evt_\(position.eventID)" }

    /// The events a logged event becomes (none for the types webhooks do not carry).
    /// `firstOfConversation` says the plugin has not seen this visitor conversation before.
    static func events(from logged: LoggedEvent, firstOfConversation: Bool) -> [WebhookEvent] {
        var data = (try? JSONSerialization.jsonObject(with: logged.data)) as? [String: Any] ?? [:]
        let type: String
        switch logged.type {
        case "message": type = "message.created"
        case "reply": type = "message.replied"
        case "read": type = "conversation.read"
        case "plugin":
            guard let name = data["name"] as? String, data["plugin"] as? String != Notifications.descriptor.id else { return [] }
            type = name
        default: return []
        }
        if !logged.sessionID.isEmpty { data["conversation_id"] = logged.sessionID }
        var events: [WebhookEvent] = []
        if firstOfConversation && logged.type == "message" {
            let created: [String: Any] = ["conversation_id": logged.sessionID, "first_message_id": data["message_id"] ?? NSNull()]
            events.append(make(logged, part: 0, type: "conversation.created", data: created))
        }
        events.append(make(logged, part: 1, type: type, data: data))
        return events
    }

    private static func make(_ logged: LoggedEvent, part: Int, type: String, data: [String: Any]) -> WebhookEvent {
        var event = WebhookEvent(position: EventPosition(eventID: logged.id, part: part), type: type, site: logged.siteID,
                                 conversation: logged.sessionID, body: Data())
        let envelope: [String: Any] = ["id": event.id, "type": type, "site": logged.siteID,
                                       "created_at": timestamp(logged.at), "data": data]
        event.body = (try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return event
    }

    /// ISO 8601 in UTC with milliseconds (`2026-12-02T08:20:00.123Z`).
    static func timestamp(_ date: Date) -> String { timestampStyle.format(date) }

    /// Made once: a formatter per event (an `ISO8601DateFormatter` each) was 8 % of the server's
    /// CPU while webhooks were queued under a saturating load (docs/performance.md).
    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// A webhook event's place in the log: sorts as the events were committed.
struct EventPosition: Sendable, Hashable, Comparable, Codable {
    /// The logged event's id.
    var eventID: Int64
    /// 0: a `conversation.created` drawn from the event; 1: the event itself.
    var part: Int

    /// Fixed-width text that sorts as the position does (`00000000000000001042.1`), for storage keys.
    var key: String {
        let digits = String(eventID)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".\(part)"
    }

    /// The position a ``key`` names.
    init?(key: some StringProtocol) {
        let parts = key.split(separator: ".")
        guard parts.count == 2, let eventID = Int64(parts[0]), let part = Int(parts[1]) else { return nil }
        self.init(eventID: eventID, part: part)
    }

    /// The position of part `part` of logged event `eventID`.
    init(eventID: Int64, part: Int) {
        self.eventID = eventID
        self.part = part
    }

    static func < (a: EventPosition, b: EventPosition) -> Bool { (a.eventID, a.part) < (b.eventID, b.part) }
}
