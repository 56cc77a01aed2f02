import Foundation

/// Which side wrote a message.
public enum MessageKind: String, Sendable, Hashable, CaseIterable {
    /// A visitor's message (`messages`).
    case visitor
    /// An agent's reply (`outbox`).
    case agent
}

/// A message on its way into the store: what validators judge and transformers rewrite.
public struct MessageDraft: Sendable, Equatable {
    public var kind: MessageKind
    public var sessionID: String
    /// The text, already trimmed and length-checked by the host.
    public var text: String

    public init(kind: MessageKind, sessionID: String, text: String) {
        self.kind = kind
        self.sessionID = sessionID
        self.text = text
    }
}

/// A message after it was committed: what observers receive (a copy; they cannot change it).
public struct StoredMessage: Sendable, Equatable {
    public var kind: MessageKind
    public var id: Int64
    public var sessionID: String
    public var text: String
    public var site: SiteInfo
    public var storedAt: Date

    public init(kind: MessageKind, id: Int64, sessionID: String, text: String, site: SiteInfo, storedAt: Date) {
        self.kind = kind
        self.id = id
        self.sessionID = sessionID
        self.text = text
        self.site = site
        self.storedAt = storedAt
    }
}

/// What a hook knows about the request it runs for.
public struct HookContext: Sendable, Equatable {
    public var site: SiteInfo
    /// Client IP as the host resolved it.
    public var clientIP: String?
    /// The request's `Origin` (or the origin of its `Referer`).
    public var origin: String?

    public init(site: SiteInfo, clientIP: String? = nil, origin: String? = nil) {
        self.site = site
        self.clientIP = clientIP
        self.origin = origin
    }
}

/// What the host does when a hook throws or misses its time budget.
public enum FailurePolicy: String, Sendable, Hashable {
    /// Treat the hook as having allowed (validator) or left the text unchanged (transformer).
    case failOpen = "fail-open"
    /// Reject the message with the code `plugin.unavailable`.
    case failClosed = "fail-closed"
}

/// A validator's decision.
public enum ValidationVerdict: Sendable, Equatable {
    case allow
    /// Refuse the message. `code` is stable (clients switch on it), `localizationKey` names the
    /// text the widget shows, `message` is the English text for logs and API clients.
    case reject(code: String, localizationKey: String, message: String)
}

/// Judges a message before it is stored (Mattermost's `MessageWillBePosted`, reject half).
public struct MessageValidator: Sendable {
    /// Name for logs, unique within the plugin.
    public var name: String
    /// The kinds of message this validator sees.
    public var kinds: Set<MessageKind>
    /// How long the host waits before applying ``policy``.
    public var budget: Duration
    public var policy: FailurePolicy
    public var validate: @Sendable (MessageDraft, HookContext) async throws -> ValidationVerdict

    public init(name: String, kinds: Set<MessageKind> = [.visitor], budget: Duration = .milliseconds(50),
                policy: FailurePolicy = .failOpen,
                validate: @escaping @Sendable (MessageDraft, HookContext) async throws -> ValidationVerdict) {
        self.name = name
        self.kinds = kinds
        self.budget = budget
        self.policy = policy
        self.validate = validate
    }
}

/// Rewrites a message's text before it is stored (`MessageWillBePosted`, replace half).
/// It must return the draft with only ``MessageDraft/text`` changed.
public struct MessageTransformer: Sendable {
    public var name: String
    public var kinds: Set<MessageKind>
    public var budget: Duration
    public var policy: FailurePolicy
    public var transform: @Sendable (MessageDraft, HookContext) async throws -> MessageDraft

    public init(name: String, kinds: Set<MessageKind> = [.visitor], budget: Duration = .milliseconds(50),
                policy: FailurePolicy = .failOpen,
                transform: @escaping @Sendable (MessageDraft, HookContext) async throws -> MessageDraft) {
        self.name = name
        self.kinds = kinds
        self.budget = budget
        self.policy = policy
        self.transform = transform
    }
}

/// Notified after a message is committed (`MessageHasBeenPosted`). Runs from a bounded queue,
/// never on the request path; errors are logged and count toward the plugin's failure budget.
public struct MessageObserver: Sendable {
    public var name: String
    public var kinds: Set<MessageKind>
    public var budget: Duration
    public var observe: @Sendable (StoredMessage) async throws -> Void

    public init(name: String, kinds: Set<MessageKind> = [.visitor, .agent], budget: Duration = .seconds(5),
                observe: @escaping @Sendable (StoredMessage) async throws -> Void) {
        self.name = name
        self.kinds = kinds
        self.budget = budget
        self.observe = observe
    }
}
