import Foundation
import SanctumServices

/// Visitors' site and identity on the public routes: a retired widget key is refused, and a
/// visitor's identity proof (`user_id` + `user_hash`, or `identity_token`) picks the verified
/// user's own conversation (docs/identity.md).
extension HostEnvironment {
    /// The site of a visitor's widget key; an old key whose rotation overlap has ended is
    /// refused (`401`, `error_code` `widget_key.retired`) instead of landing on the default site.
    func visitorSite(widgetKey: String?) throws(APIError) -> Site {
        if sites.isRetiredWidgetKey(widgetKey) {
            throw APIError(.unauthorized, "This widget key was replaced; update the embed snippet",
                           details: ["error_code": .string("widget_key.retired")])
        }
        return sites.site(widgetKey: widgetKey)
    }

    /// Refuses proof fields of the wrong type in a JSON body (`400 Invalid user_hash: …`):
    /// `user_hash` and `identity_token` are strings, `user_id` a string or an integer; `null`
    /// is the same as leaving a field out.
    func checkProofTypes(_ body: [String: JSON]) throws(APIError) {
        for name in ["user_id", "user_hash", "identity_token"] {
            guard let value = body[name], value != .null else { continue }
            if case .string = value { continue }
            if name == "user_id", case .int = value { continue }
            throw APIError(.badRequest, "Invalid \(name): must be a string\(name == "user_id" ? " or an integer" : "") (docs/identity.md)")
        }
    }

    /// The conversation a visitor's request acts on, from the proof among `field`s.
    func visitorConversation(site: Site, sessionID: String, field: (String) -> String?) async throws -> VisitorConversation {
        try await services.identity.conversation(site: site, sessionID: sessionID, proof: IdentityProof.from(field))
    }

    /// The session a caller acts on: a visitor's verified conversation, else `sessionID` as given.
    func actingSession(_ caller: Caller, sessionID: String, field: (String) -> String?) async throws -> String {
        guard case .visitor(let site) = caller else { return sessionID }
        return try await visitorConversation(site: site, sessionID: sessionID, field: field).sessionID
    }

    /// `identity` of each of these sessions that has a verified user, as the agent API shows it.
    func identityJSON(of sessionIDs: [String]) async throws -> [String: JSON] {
        try await services.identity.identities(of: sessionIDs).mapValues(\.json)
    }
}

extension JSON {
    /// A proof field of a JSON body: a string, or an integer as its digits (`user_id: 42`).
    var proofText: String? {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        default: nil
        }
    }
}

extension ChatEvent {
    /// This event as a visitor who named the session `presented` sees it (a verified user's
    /// conversation is followed under the widget's own session id).
    func seen(as presented: String?) -> ChatEvent {
        guard let presented, !sessionID.isEmpty, sessionID != presented else { return self }
        var copy = self
        copy.sessionID = presented
        return copy
    }
}
