import Foundation

/// A committed change of a conversation (docs/realtime.md).
public struct ChatEvent: Sendable, Equatable {
    /// Global, strictly increasing in commit order: the resume cursor.
    public var id: Int64
    /// 1, 2, 3… per conversation.
    public var seq: Int64
    public var siteID: String
    public var sessionID: String
    /// `message`, `reply`, `typing`, `delivered` or `read`.
    public var type: String
    public var data: JSON
    public var at: Date

    /// The wire form.
    public var json: JSON {
        ["id": .int(id), "seq": .int(seq), "session_id": .string(sessionID), "type": .string(type),
         "at": .string(Timestamps.iso(at)), "data": data]
    }
}

/// Which events a subscriber sees.
public enum EventScope: Sendable, Hashable {
    /// One conversation (a visitor's widget).
    case session(String)
    /// Every conversation of a site (an agent).
    case site(String)
    /// Everything (the admin key).
    case all

    /// Whether `event` is in this scope.
    public func contains(_ event: ChatEvent) -> Bool {
        switch self {
        case .session(let id): event.sessionID == id
        case .site(let id): event.siteID == id
        case .all: true
        }
    }
}

/// Who wrote or read: the visitor or the agent side.
public enum Party: String, Sendable {
    case visitor, agent
}

/// A conversation as the operator console lists it.
public struct ConversationSummary: Sendable {
    public var sessionID: String
    public var uid: String?
    public var siteID: String
    public var lastActive: String?
    public var lastMessage: (type: String, text: String, timestamp: String)?
    public var unread: Int64
    public var messageCount: Int64
    public var responseCount: Int64
}

/// One line of a conversation's history.
public struct HistoryItem: Sendable {
    public var type: String
    public var id: Int64
    public var text: String
    public var timestamp: String
    public var status: String
}

/// A conversation's whole history with read positions.
public struct ConversationHistory: Sendable {
    public var sessionID: String
    public var uid: String?
    public var siteID: String
    public var items: [HistoryItem]
    public var agentReadUpTo: Int64
    public var visitorReadUpTo: Int64
    public var lastEventID: Int64
}
