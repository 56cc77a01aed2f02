import Foundation
import SanctumServices

/// Verified users: one conversation per user and site, which follows them across devices.
extension StoreConformance {
    @Sendable static func verifiedUsers(_ t: StoreUnderTest) async throws {
        let ada = VerifiedIdentity(userID: "42", name: "Ada", email: "ada@example.com")
        let first = try await t.store.claimSession(siteID: defaultSiteID, identity: ada, presented: "session_laptop", fresh: "session_fresh1", now: at(0))
        t.expectEqual(first, "session_laptop", "the first device's session becomes the user's")
        t.expectEqual(try await t.store.verifiedSession(siteID: defaultSiteID, userID: "42"), "session_laptop", "the user's conversation by user id")
        t.expectEqual(try await t.store.verifiedSession(siteID: defaultSiteID, userID: "43"), nil, "an unknown user has none")
        _ = try await t.store.postMessage(siteID: defaultSiteID, sessionID: first, text: "from the laptop", clientMessageID: nil, ip: nil, now: at(1))
        let second = try await t.store.claimSession(siteID: defaultSiteID, identity: VerifiedIdentity(userID: "42"), presented: "session_phone",
                                                    fresh: "session_fresh2", now: at(2))
        t.expectEqual(second, "session_laptop", "another device gets the same conversation")
        t.expectEqual(try await t.store.identities(sessionIDs: ["session_laptop", "session_phone"]), ["session_laptop": ada],
                      "a proof without name or e-mail keeps the stored ones; the phone's own id has no identity")

        _ = try await t.store.postMessage(siteID: defaultSiteID, sessionID: "session_anon", text: "anonymous", clientMessageID: nil, ip: nil, now: at(2))
        let page = try await take(t, at: 2)
        t.expectEqual(page.messages.count, 2, "both messages taken")
        if let known = page.identities {  // a store that reads them with the page reads the same
            t.expectEqual(known, ["session_laptop": ada], "the page's identities: the verified conversation's only")
        }

        let renamed = VerifiedIdentity(userID: "42", name: "Ada L.", email: nil)
        _ = try await t.store.claimSession(siteID: defaultSiteID, identity: renamed, presented: "session_tablet", fresh: "session_fresh3", now: at(3))
        t.expectEqual(try await t.store.identities(sessionIDs: ["session_laptop"])["session_laptop"]?.name, "Ada L.", "a new name replaces the old")

        let bob = try await t.store.claimSession(siteID: defaultSiteID, identity: VerifiedIdentity(userID: "7"), presented: "session_laptop",
                                                 fresh: "session_fresh4", now: at(4))
        t.expectEqual(bob, "session_fresh4", "another user on the same browser never gets the first user's conversation")

        _ = try await t.store.postMessage(siteID: "acme", sessionID: "session_acme", text: "acme", clientMessageID: nil, ip: nil, now: at(5))
        let crossSite = try await t.store.claimSession(siteID: defaultSiteID, identity: VerifiedIdentity(userID: "9"), presented: "session_acme",
                                                       fresh: "session_fresh5", now: at(6))
        t.expectEqual(crossSite, "session_fresh5", "another site's session is never adopted")
        let otherSite = try await t.store.claimSession(siteID: "acme", identity: VerifiedIdentity(userID: "42"), presented: "session_acme2",
                                                       fresh: "session_fresh6", now: at(7))
        t.expectEqual(otherSite, "session_acme2", "the same user id on another site is another user")

        t.expectEqual(try await t.store.identities(sessionIDs: []), [:], "no sessions, no identities")
        _ = try await t.store.clearAll(now: at(8))
        t.expectEqual(try await t.store.identities(sessionIDs: ["session_laptop", "session_fresh4"]), [:], "clear all forgets verified users")
    }
}
