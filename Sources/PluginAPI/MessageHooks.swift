import Foundation

/// Which side wrote a message. New cases may arrive in a minor version.
public enum MessageKind: String, Sendable, Hashable, CaseIterable {
    /// A visitor's message (`messages`).
    case visitor
    /// An agent's reply (`outbox`).
    case agent
}

/// A message on its way into the store: what validators judge and transformers rewrite.
public struct MessageDraft: Sendable, Equatable {
    /// Who wrote it.
    public var kind: MessageKind
    /// The conversation it belongs to.
    public var sessionID: String
    /// The text, already trimmed and length-checked by the host.
    public var text: String
    /// What earlier transformers attached, by plugin id (empty for validators, which run
    /// first). Since PluginAPI 2.2.
    public var metadata: MessageMetadata
    /// The hints the client sent in the request's `metadata` field, by namespace: for example
    /// the widget's active language. Never stored: copy what you need into your own namespace
    /// with ``MessageRewrite/metadata``. Since PluginAPI 2.2.
    public var clientMetadata: MessageMetadata

    /// A draft (the host builds these; tests build their own).
    public init(kind: MessageKind, sessionID: String, text: String, metadata: MessageMetadata = MessageMetadata(),
                clientMetadata: MessageMetadata = MessageMetadata()) {
        self.kind = kind
        self.sessionID = sessionID
        self.text = text
        self.metadata = metadata
        self.clientMetadata = clientMetadata
    }
}

/// A message after it was committed: what observers receive (a copy; they cannot change it).
public struct StoredMessage: Sendable, Equatable {
    /// Who wrote it.
    public var kind: MessageKind
    /// The store's id of the message (unique per kind).
    public var id: Int64
    /// The conversation it belongs to.
    public var sessionID: String
    /// The text as stored (after the transformers).
    public var text: String
    /// The site the message belongs to.
    public var site: SiteInfo
    /// When the host stored it.
    public var storedAt: Date
    /// The metadata stored with it, by plugin id (empty when no transformer attached any).
    /// Since PluginAPI 2.2.
    public var metadata: MessageMetadata

    /// A committed message (the host builds these; tests build their own).
    public init(kind: MessageKind, id: Int64, sessionID: String, text: String, site: SiteInfo, storedAt: Date,
                metadata: MessageMetadata = MessageMetadata()) {
        self.kind = kind
        self.id = id
        self.sessionID = sessionID
        self.text = text
        self.site = site
        self.storedAt = storedAt
        self.metadata = metadata
    }
}

/// What a hook knows about the request it runs for.
public struct HookContext: Sendable, Equatable {
    /// The site the message is for.
    public var site: SiteInfo
    /// Client IP as the host resolved it (`nil` for agent replies).
    public var clientIP: String?
    /// The request's `Origin` (or the origin of its `Referer`).
    public var origin: String?

    /// A context (the host builds these; tests build their own).
    public init(site: SiteInfo, clientIP: String? = nil, origin: String? = nil) {
        self.site = site
        self.clientIP = clientIP
        self.origin = origin
    }
}

/// What the host does when a hook throws or misses its time budget.
public enum FailurePolicy: String, Sendable, Hashable {
    /// Treat the hook as having allowed (validator), left the text unchanged (transformer) or
    /// abstained (authorizer).
    case failOpen = "fail-open"
    /// Reject the message with the code `plugin.unavailable` (HTTP 503), or deny the request with 503.
    case failClosed = "fail-closed"
}

/// A validator's decision.
public enum ValidationVerdict: Sendable, Equatable {
    /// Let the message through to the next validator.
    case allow
    /// Refuse the message. `code` is stable (clients switch on it), `localizationKey` names the
    /// text the widget shows, `message` is the English text for logs and API clients.
    case reject(code: String, localizationKey: String, message: String)
}

/// Judges a message before it is stored (Mattermost's `MessageWillBePosted`, reject half).
///
/// Implementers must answer within ``budget`` without blocking a thread, give the same verdict
/// for the same input, and must not store anything: a later validator may still reject.
public struct MessageValidator: Sendable {
    /// Name for logs, unique within the plugin.
    public var name: String
    /// The kinds of message this validator sees.
    public var kinds: Set<MessageKind>
    /// How long the host waits before applying ``policy``.
    public var budget: Duration
    /// What happens when ``validate`` throws or misses ``budget``.
    public var policy: FailurePolicy
    /// The verdict for one draft.
    public var validate: @Sendable (MessageDraft, HookContext) async throws -> ValidationVerdict

    /// A validator of visitor messages by default: 50 ms, fail-open.
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

/// Rewrites a message's text before it is stored (`MessageWillBePosted`, replace half) and,
/// since PluginAPI 2.2, attaches metadata to it.
///
/// ``transform`` gets the draft as the previous transformer left it and returns the new text;
/// the kind and session cannot change. Return `draft.text` to leave a message alone.
/// A transformer made with ``rewriting(name:kinds:budget:policy:_:)`` returns a
/// ``MessageRewrite`` instead: the text plus members the host sets in the plugin's own
/// namespace of ``MessageDraft/metadata`` (never another plugin's). If the message's metadata
/// would then exceed ``MessageMetadata/maximumSize``, the call counts as failed and its
/// ``policy`` applies (fail-open keeps the text and metadata as they were).
/// Implementers must answer within ``budget`` without blocking a thread and must return the
/// same text for the same input; they must not return an empty text for a non-empty one (the
/// host stores what they return).
public struct MessageTransformer: Sendable {
    /// Name for logs, unique within the plugin.
    public var name: String
    /// The kinds of message this transformer sees.
    public var kinds: Set<MessageKind>
    /// How long the host waits before applying ``policy``.
    public var budget: Duration
    /// What happens when the hook throws or misses ``budget`` (fail-open keeps the text).
    public var policy: FailurePolicy
    /// The new text and the members to attach for one draft: what the host calls. Since PluginAPI 2.2.
    public var rewrite: @Sendable (MessageDraft, HookContext) async throws -> MessageRewrite

    /// The new text for one draft (the text half of ``rewrite``; setting it attaches nothing).
    public var transform: @Sendable (MessageDraft, HookContext) async throws -> String {
        get { { [rewrite] draft, context in try await rewrite(draft, context).text } }
        set { rewrite = { [newValue] draft, context in MessageRewrite(text: try await newValue(draft, context)) } }
    }

    /// A transformer of visitor messages by default: 50 ms, fail-open.
    public init(name: String, kinds: Set<MessageKind> = [.visitor], budget: Duration = .milliseconds(50),
                policy: FailurePolicy = .failOpen,
                transform: @escaping @Sendable (MessageDraft, HookContext) async throws -> String) {
        self.name = name
        self.kinds = kinds
        self.budget = budget
        self.policy = policy
        self.rewrite = { draft, context in MessageRewrite(text: try await transform(draft, context)) }
    }

    /// A transformer that also attaches metadata under its plugin's id (visitor messages by
    /// default: 50 ms, fail-open). Since PluginAPI 2.2.
    ///
    /// ```swift
    /// MessageTransformer.rewriting(name: "translate") { draft, _ in
    ///     let language = draft.clientMetadata["i18n"]?["language"]?.stringValue ?? "en"
    ///     return MessageRewrite(text: translate(draft.text, from: language),
    ///                           metadata: ["original": .string(draft.text), "language": .string(language)])
    /// }
    /// ```
    public static func rewriting(name: String, kinds: Set<MessageKind> = [.visitor], budget: Duration = .milliseconds(50),
                                 policy: FailurePolicy = .failOpen,
                                 _ rewrite: @escaping @Sendable (MessageDraft, HookContext) async throws -> MessageRewrite) -> MessageTransformer {
        var transformer = MessageTransformer(name: name, kinds: kinds, budget: budget, policy: policy) { draft, _ in draft.text }
        transformer.rewrite = rewrite
        return transformer
    }
}

/// Notified after a message is committed (`MessageHasBeenPosted`) and, since PluginAPI 2.1,
/// after one is rejected. Runs from a bounded queue, never on the request path; errors are
/// logged and count toward the plugin's failure budget.
///
/// Implementers must tolerate missing an event (the queue drops when full) and must not rely on
/// being called before the client sees the answer.
public struct MessageObserver: Sendable {
    /// Name for logs, unique within the plugin.
    public var name: String
    /// The kinds of message this observer sees.
    public var kinds: Set<MessageKind>
    /// How long one call may take before it counts as failed.
    public var budget: Duration
    /// Looks at one committed message.
    public var observe: @Sendable (StoredMessage) async throws -> Void
    /// Looks at one rejected message (`nil`: rejections are not observed). Since PluginAPI 2.1.
    public var observeRejection: (@Sendable (RejectedMessage) async throws -> Void)?

    /// An observer of both kinds by default, with a 5 s budget; `rejected` also observes
    /// rejections (since 2.1).
    public init(name: String, kinds: Set<MessageKind> = [.visitor, .agent], budget: Duration = .seconds(5),
                observe: @escaping @Sendable (StoredMessage) async throws -> Void,
                rejected: (@Sendable (RejectedMessage) async throws -> Void)? = nil) {
        self.name = name
        self.kinds = kinds
        self.budget = budget
        self.observe = observe
        self.observeRejection = rejected
    }

    /// An observer of rejected messages only (committed ones are ignored). Since PluginAPI 2.1.
    ///
    /// ```swift
    /// MessageObserver.rejections(name: "count") { rejection in
    ///     try await host.storage.increment("rejected:\(rejection.site.id):\(rejection.code)")
    /// }
    /// ```
    public static func rejections(name: String, kinds: Set<MessageKind> = [.visitor, .agent], budget: Duration = .seconds(5),
                                  _ observe: @escaping @Sendable (RejectedMessage) async throws -> Void) -> MessageObserver {
        MessageObserver(name: name, kinds: kinds, budget: budget, observe: { _ in }, rejected: observe)
    }
}

/// A message that was not stored because a validator rejected it (or a fail-closed hook could
/// not check it): what rejection observers see, after the client got its error. Since PluginAPI 2.1.
public struct RejectedMessage: Sendable, Equatable {
    /// Who wrote it.
    public var kind: MessageKind
    /// The conversation it was for.
    public var sessionID: String
    /// The text as submitted (no transformer ran).
    public var text: String
    /// The site it was for.
    public var site: SiteInfo
    /// The plugin whose hook decided.
    public var pluginID: String
    /// The rejection's stable code (`plugin.unavailable` when a fail-closed hook failed).
    public var code: String
    /// When the host refused it.
    public var rejectedAt: Date

    /// A rejected message (the host builds these; tests build their own).
    public init(kind: MessageKind, sessionID: String, text: String, site: SiteInfo, pluginID: String, code: String, rejectedAt: Date) {
        self.kind = kind
        self.sessionID = sessionID
        self.text = text
        self.site = site
        self.pluginID = pluginID
        self.code = code
        self.rejectedAt = rejectedAt
    }
}
