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

    /// The data of a `message` or `reply` event: `members` (in any order) plus `metadata` when
    /// the message has some, so events without metadata stay exactly as they were.
    public static func messageData(_ members: [String: JSON], metadata: JSON?) -> JSON {
        var members = members
        if let metadata { members["metadata"] = metadata }
        return .object(members)
    }

    /// The data of a plugin event.
    public static func pluginData(pluginID: String, name: String, attributes: [String: String]) -> JSON {
        ["plugin": .string(pluginID), "name": .string(name), "attributes": .object(attributes.mapValues(JSON.string))]
    }

    /// The wire form.
    public var json: JSON {
        ["id": .int(id), "seq": .int(seq), "session_id": .string(sessionID), "type": .string(type),
         "at": .string(Timestamps.iso(at)), "data": data]
    }

    /// A value with every field given.
    public init(id: Int64, seq: Int64, siteID: String, sessionID: String, type: String, data: JSON, at: Date) {
        self.id = id
        self.seq = seq
        self.siteID = siteID
        self.sessionID = sessionID
        self.type = type
        self.data = data
        self.at = at
    }
}

/// Which events a subscriber sees.
public enum EventScope: Sendable, Hashable {
    /// One conversation of one site (a visitor's widget). The site is part of the scope: a
    /// visitor who subscribes to a session id before it exists never receives the events of
    /// another site that later creates a session with that id.
    case session(String, site: String)
    /// Every conversation of a site (an agent).
    case site(String)
    /// Everything (the admin key).
    case all

    /// Whether `event` is in this scope.
    public func contains(_ event: ChatEvent) -> Bool {
        switch self {
        case .session(let id, let site): event.sessionID == id && event.siteID == site
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

    /// A value with every field given.
    public init(sessionID: String, uid: String? = nil, siteID: String, lastActive: String? = nil, lastMessage: (type: String, text: String, timestamp: String)? = nil, unread: Int64, messageCount: Int64, responseCount: Int64) {
        self.sessionID = sessionID
        self.uid = uid
        self.siteID = siteID
        self.lastActive = lastActive
        self.lastMessage = lastMessage
        self.unread = unread
        self.messageCount = messageCount
        self.responseCount = responseCount
    }
}

/// One line of a conversation's history.
public struct HistoryItem: Sendable {
    public var type: String
    public var id: Int64
    public var text: String
    public var timestamp: String
    public var status: String
    /// What plugins attached, by plugin id (an object of objects); `nil` when none.
    public var metadata: JSON?

    /// A value with every field given.
    public init(type: String, id: Int64, text: String, timestamp: String, status: String, metadata: JSON? = nil) {
        self.type = type
        self.id = id
        self.text = text
        self.timestamp = timestamp
        self.status = status
        self.metadata = metadata
    }
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

    /// A value with every field given.
    public init(sessionID: String, uid: String? = nil, siteID: String, items: [HistoryItem], agentReadUpTo: Int64, visitorReadUpTo: Int64, lastEventID: Int64) {
        self.sessionID = sessionID
        self.uid = uid
        self.siteID = siteID
        self.items = items
        self.agentReadUpTo = agentReadUpTo
        self.visitorReadUpTo = visitorReadUpTo
        self.lastEventID = lastEventID
    }
}
