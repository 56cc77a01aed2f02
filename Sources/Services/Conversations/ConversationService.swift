import Foundation
import PluginAPI
import PluginDispatch

/// The rules of a conversation: visitor messages and agent replies through the plugin hooks
/// into the store and on to the observers, the replies a visitor polls, typing and read receipts.
///
/// Every message, whichever side wrote it, takes the same path: authorize (visitors) →
/// validators and transformers → store (one transaction) → observers (only for new rows, never
/// for an idempotent retry).
public struct ConversationService: Sendable {
    let store: any ChatStore
    let access: AccessControl
    let blocks: VisitorBlocks
    let plugins: PluginRuntime
    let activity: ActivityTracker
    let clock: @Sendable () -> Date

    /// A service over this store, access rules, plugins and clock.
    public init(store: any ChatStore, access: AccessControl, blocks: VisitorBlocks, plugins: PluginRuntime, activity: ActivityTracker,
                clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.access = access
        self.blocks = blocks
        self.plugins = plugins
        self.activity = activity
        self.clock = clock
    }

    /// A visitor message: authorizers, blocks, hooks, store, observers. A blocked visitor gets
    /// ``ServiceError/messageRefused``, which does not say why. A retry with a known
    /// `clientMessageID` stores nothing new. A session id that belongs to another site gets the
    /// answer of a new session (a fresh uid, `isNewUser`) and nothing is stored: a visitor cannot
    /// tell that the id exists elsewhere (issue 9), and no site receives the message.
    /// `clientMetadata` (the request's hints) reaches the hooks as ``MessageDraft/clientMetadata``
    /// and is never stored; only what transformers attach is.
    public func postVisitorMessage(site: Site, sessionID: String, text: String, clientMessageID: String?,
                                   clientMetadata: MessageMetadata = MessageMetadata(), request: ClientRequest) async throws -> PostedMessage {
        try await access.authorizePublic(request, site: site)
        if try await blocks.isBlocked(sessionID: sessionID, ip: request.clientIP) { throw ServiceError.messageRefused }
        let prepared = try await prepare(.visitor, text: text, clientMetadata: clientMetadata, sessionID: sessionID, site: site, request: request)
        let posted: PostedMessage
        do {
            posted = try await store.postMessage(siteID: site.id, sessionID: sessionID, text: prepared.text, metadata: JSON(metadata: prepared.metadata),
                                                 clientMessageID: clientMessageID, ip: request.clientIP, now: clock())
        } catch StoreRefusal.otherSite {
            return PostedMessage(messageID: try await store.eventRange().newest + 1, uid: Self.unusedLookingUID(), isNewUser: true)
        } catch is StoreRefusal {
            throw ServiceError.invalidSession
        }
        if !posted.replayed { observe(.visitor, id: posted.messageID, prepared: prepared, sessionID: sessionID, site: site) }
        return posted
    }

    /// An agent reply to any session of its site that has ever existed (a cleaned-up one comes
    /// back). `messageID` is stored as given (see ``replyMessageID(_:)``); `clientMetadata` as for
    /// ``postVisitorMessage(site:sessionID:text:clientMessageID:clientMetadata:request:)``.
    public func postAgentReply(site: Site, sessionID: String, text: String, messageID: JSON, clientResponseID: String?,
                               clientMetadata: MessageMetadata = MessageMetadata(), request: ClientRequest) async throws -> (id: Int64, replayed: Bool) {
        let prepared = try await prepare(.agent, text: text, clientMetadata: clientMetadata, sessionID: sessionID, site: site, request: request)
        let stored: (id: Int64, replayed: Bool)
        do {
            stored = try await store.postReply(siteID: site.id, sessionID: sessionID, text: prepared.text, metadata: JSON(metadata: prepared.metadata),
                                               messageID: messageID, clientResponseID: clientResponseID, now: clock())
        } catch is StoreRefusal {
            throw ServiceError.invalidSession
        }
        if !stored.replayed { observe(.agent, id: stored.id, prepared: prepared, sessionID: sessionID, site: site) }
        return stored
    }

    /// The replies of a session after the cursors, for a visitor's poll. Unlike the bridge
    /// (BRIDGE-API.md §2.6) an unknown session is not created (a bare poll leaves no row). Another
    /// site's session answers like an unknown one — no error, nothing created, nothing touched — so
    /// a poll cannot tell that the id exists elsewhere.
    public func replies(site: Site, sessionID: String, since: String?, sinceID: Int64?, request: ClientRequest) async throws -> [Reply] {
        try await access.authorizePublic(request, site: site)
        let replies: [Reply]
        do {
            replies = try await store.replies(siteID: site.id, sessionID: sessionID, since: BridgeRules.cursor(since), sinceID: sinceID,
                                              ip: request.clientIP, now: clock())
        } catch StoreRefusal.otherSite {
            return []
        } catch is StoreRefusal {
            throw ServiceError.invalidSession
        }
        activity.touch(sessionID)
        return replies
    }

    /// 16 lowercase hex characters from the CSPRNG: the shape of a real uid.
    static func unusedLookingUID() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<8).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16).leftPadded(to: 2) }.joined()
    }

    /// A typing signal from the visitor (no key) or from an agent on its own site. A visitor's
    /// `request` runs the site's authorizers; `nil` means they already ran (a stream checks once, when it opens).
    public func typing(_ caller: Caller, sessionID: String, active: Bool, request: ClientRequest?) async throws {
        try await act(caller, sessionID: sessionID, request: request) { site, party in
            try await store.recordTyping(siteID: site.id, sessionID: sessionID, from: party, active: active, now: clock())
        }
    }

    /// A read receipt: the visitor read replies up to a reply id, an agent read messages up to a
    /// message id. `request` as for ``typing(_:sessionID:active:request:)``.
    public func read(_ caller: Caller, sessionID: String, upTo: Int64, request: ClientRequest?) async throws {
        try await act(caller, sessionID: sessionID, request: request) { site, party in
            try await store.markRead(siteID: site.id, sessionID: sessionID, by: party, upTo: upTo, now: clock())
        }
    }

    /// The `message_id` of an agent reply as the bridge stores it: falsy values are NULL, `true`
    /// is 1, numbers and strings are kept; NaN, infinities and containers are refused.
    public static func replyMessageID(_ raw: JSON?) throws(ServiceError) -> JSON {
        switch raw {
        case let value? where !value.isTruthy: .null
        case nil: .null
        case .int(let i)?: .int(i)
        case .double(let d)? where d.isFinite: .double(d)
        case .string(let s)?: .string(s)
        case .bool?: .int(1)
        default: throw ServiceError(.invalidInput, "Invalid message_id")
        }
    }

    // MARK: - Hooks

    /// Runs validators and transformers of `site` over a message; returns the draft to store
    /// (text and the metadata transformers attached) or throws the plugin's rejection with
    /// `error_code` and `localization_key`.
    private func prepare(_ kind: MessageKind, text: String, clientMetadata: MessageMetadata, sessionID: String, site: Site,
                         request: ClientRequest) async throws(ServiceError) -> MessageDraft {
        let draft = MessageDraft(kind: kind, sessionID: sessionID, text: text, clientMetadata: clientMetadata)
        guard plugins.pipeline.hasMessageHooks(for: kind, enabled: site.plugins) else { return draft }
        let context = HookContext(site: site.info, clientIP: request.clientIP, origin: request.origin())
        switch await plugins.pipeline.prepare(draft, context: context, enabled: site.plugins) {
        case .accept(let prepared):
            return prepared
        case .reject(let code, let key, let message, let pluginID):
            plugins.enqueueRejection(RejectedMessage(kind: kind, sessionID: sessionID, text: text, site: site.info, pluginID: pluginID,
                                                     code: code, rejectedAt: clock()), enabled: site.plugins)
            let errorKind: ServiceError.Kind = code == HookPipeline.unavailableCode ? .unavailable : .invalidInput
            throw ServiceError(errorKind, message, details: ["error_code": .string(code), "localization_key": .string(key)])
        }
    }

    /// Hands a committed message to the observers of `site` (never waits for them).
    private func observe(_ kind: MessageKind, id: Int64, prepared: MessageDraft, sessionID: String, site: Site) {
        plugins.enqueue(StoredMessage(kind: kind, id: id, sessionID: sessionID, text: prepared.text, site: site.info, storedAt: clock(),
                                      metadata: prepared.metadata), enabled: site.plugins)
    }

    /// Runs `change` for the visitor (after the authorizers) or for an agent on its own site.
    private func act(_ caller: Caller, sessionID: String, request: ClientRequest?, _ change: (Site, Party) async throws -> Void) async throws {
        do {
            switch caller {
            case .visitor(let site):
                if let request { try await access.authorizePublic(request, site: site) }
                try await change(site, .visitor)
            case .agent, .admin:
                try await change(try await access.agentSite(for: caller, sessionID: sessionID), .agent)
            }
        } catch is StoreRefusal {
            throw ServiceError.invalidSession
        }
    }
}
