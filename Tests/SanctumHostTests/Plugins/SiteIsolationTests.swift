import Foundation
import HTTPTypes
import Logging
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// With two sites, site A's keys can neither read nor write site B's sessions.
final class SiteIsolationTests: XCTestCase {
    static let config = try! SanctumConfig.parse(yaml: """
        tiers:
          free: { plugins: [domain-allowlist] }
          premium: { plugins: [domain-allowlist, premium-probe] }
        sites:
          - { id: site-a, tier: free, widget_key: pk_a }
          - { id: site-b, tier: premium, widget_key: pk_b }
        """)
    static let keyA = "agent_key_of_site_a_000000"
    static let keyB = "agent_key_of_site_b_000000"
    static let environment = ["SANCTUM_API_KEY": TestKeys.api, "SANCTUM_ADMIN_KEY": TestKeys.admin,
                              "SANCTUM_SITE_SITE_A_AGENT_KEY": keyA, "SANCTUM_SITE_SITE_B_AGENT_KEY": keyB]

    func testSiteAKeysNeverReachSiteBSessions() async throws {
        try await withServer(config: Self.config, environment: Self.environment, registry: .withProbes) { client, _ in
            let secret = "B-visitor-secret"
            let posted = try await client.post("/api/v1/?action=messages",
                                               json: #"{"session_id":"session_bbb","message":"\#(secret)","widget_key":"pk_b"}"#)
            XCTAssertEqual(posted.status, .ok)
            let uidB = try XCTUnwrap(posted.data["uid"]?.stringValue)
            let replyB = try await client.post("/api/v1/?action=outbox", json: #"{"session_id":"session_bbb","response":"B-reply-secret"}"#, key: Self.keyB)
            XCTAssertEqual(replyB.status, .ok, "site B's own agent may answer")

            var answers: [Answer] = []
            for path in ["/api/v1/?action=inbox", "/api/v1/inbox"] {
                let inbox = try await client.get(path, key: Self.keyA)
                XCTAssertEqual(inbox.status, .ok)
                XCTAssertEqual(inbox.data["messages"], [], path)
                XCTAssertEqual(inbox.data["pagination"]?["total"], 0)
                answers.append(inbox)
            }
            let legacy = try await client.get("/api/v1/?action=inbox", key: TestKeys.api)
            XCTAssertEqual(legacy.data["messages"], [], "the default site does not see site B either")
            answers.append(legacy)
            for path in ["/api/v1/?action=outbox", "/api/v1/outbox"] {
                let outbox = try await client.post(path, json: #"{"session_id":"session_bbb","response":"A intrudes"}"#, key: Self.keyA)
                assertJSONError(outbox, .badRequest, path)
                XCTAssertEqual(outbox.error, "Invalid session")
                answers.append(outbox)
            }
            for query in ["widget_key=pk_a", "", "since_id=0&widget_key=pk_a"] {
                let replies = try await client.get("/api/v1/?action=responses&session_id=session_bbb&" + query)
                XCTAssertEqual(replies.status, .ok, "a poll cannot tell that the id exists on another site")
                XCTAssertEqual(replies.data, ["responses": [], "session_id": "session_bbb"], query)
                answers.append(replies)
            }
            for body in [#"{"session_id":"session_bbb","message":"A writes","widget_key":"pk_a"}"#,
                         #"{"session_id":"session_bbb","message":"A writes","widget_key":"pk_a","client_message_id":"x1"}"#,
                         #"{"session_id":"session_bbb","message":"no key"}"#] {
                let write = try await client.post("/api/v1/messages", json: body)
                XCTAssertEqual(write.status, .ok, "answered like a new session (issue 9): " + body)
                XCTAssertEqual(write.data["is_new_user"], true, body)
                answers.append(write)
            }
            let chat = try await client.get("/chat/api/get_responses?session_id=session_bbb")
            XCTAssertEqual(chat.status, .ok, "chat page helper")
            XCTAssertEqual(chat.data["responses"], [])
            answers.append(chat)
            let events = try await client.get("/api/v1/?action=events&session_id=session_bbb&widget_key=pk_a&wait=0")
            XCTAssertEqual(events.status, .ok, "the long-poll neither")
            XCTAssertEqual(events.data["events"], [])
            answers.append(events)
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/?action=sessions"), (.get, "/api/v1/?action=config"),
                                   (.post, "/api/v1/?action=cleanup"), (.post, "/api/v1/?action=clear_data"),
                                   (.get, "/admin/api/session_messages?session_id=session_bbb"), (.get, "/admin/api/sessions")] {
                let admin = try await client.send(method, path, headers: [.authorization: "Bearer " + Self.keyA])
                XCTAssertEqual(admin.status, .unauthorized, path)
                answers.append(admin)
            }
            let premiumRoute = try await client.get("/plugins/premium-probe/ping", key: Self.keyA)
            XCTAssertEqual(premiumRoute.status, .notFound)
            answers.append(premiumRoute)
            for answer in answers {
                for leak in [secret, "B-reply-secret", uidB] {
                    XCTAssertFalse(answer.text.contains(leak), "\(answer.text) leaks \(leak)")
                }
            }
            let inboxB = try await client.get("/api/v1/?action=inbox", key: Self.keyB).data["messages"]!.array
            XCTAssertEqual(inboxB.map { $0["message"] }, [.string(secret)], "B's inbox holds only B's message, nothing A wrote")
            let repliesB = try await client.get("/api/v1/?action=responses&session_id=session_bbb&widget_key=pk_b").data["responses"]!.array
            XCTAssertEqual(repliesB.map { $0["response"] }, ["B-reply-secret"])
        }
    }

    func testAPollOfAnotherSitesSessionAnswersLikeANewSessionAndCreatesNothing() async throws {
        try await withServer(config: Self.config, environment: Self.environment, registry: .withProbes) { client, env in
            let posted = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_bbb","message":"b","widget_key":"pk_b"}"#)
            XCTAssertEqual(posted.status, .ok)
            let sessionsBefore = try await env.store.sessions(activeSince: nil, limit: 100, offset: 0)
            let foreign = try await client.get("/api/v1/?action=responses&session_id=session_bbb&widget_key=pk_a")
            let fresh = try await client.get("/api/v1/?action=responses&session_id=session_aaa&widget_key=pk_a")
            XCTAssertEqual(foreign.status, fresh.status)
            XCTAssertEqual(foreign.text.replacingOccurrences(of: "session_bbb", with: "session_aaa").dropTimestamp,
                           fresh.text.dropTimestamp, "byte for byte the answer of an unknown id, but for the id and the time")
            let sessionsAfter = try await env.store.sessions(activeSince: nil, limit: 100, offset: 0)
            XCTAssertEqual(sessionsAfter.total, sessionsBefore.total, "a bare poll creates no session (issue 9), foreign or unknown")
            XCTAssertEqual(sessionsAfter.sessions.first { $0.id == "session_bbb" }, sessionsBefore.sessions.first { $0.id == "session_bbb" })
            let owner = try await env.store.siteOfSession("session_bbb")
            XCTAssertEqual(owner, "site-b")
        }
    }

    /// Issue 9: a visitor posting to a session id of another site gets the answer of a fresh id
    /// (was 400 `Invalid session` against 200), and nothing reaches either site.
    func testAPostToAnotherSitesSessionAnswersLikeAFreshIDAndStoresNothing() async throws {
        try await withServer(config: Self.config, environment: Self.environment, registry: .withProbes) { client, env in
            let posted = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_bbb","message":"b","widget_key":"pk_b"}"#)
            XCTAssertEqual(posted.status, .ok)
            let foreign = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_bbb","message":"probe","widget_key":"pk_a"}"#)
            let fresh = try await client.post("/api/v1/?action=messages", json: #"{"session_id":"session_fresh","message":"probe","widget_key":"pk_a"}"#)
            XCTAssertEqual(foreign.status, fresh.status)
            XCTAssertEqual(foreign.status, .ok)
            XCTAssertEqual(foreign.data.keys, fresh.data.keys)
            XCTAssertEqual(foreign.data["is_new_user"], fresh.data["is_new_user"])
            XCTAssertEqual(foreign.data["uid"]?.stringValue?.count, fresh.data["uid"]?.stringValue?.count)
            XCTAssertNotEqual(foreign.data["uid"], posted.data["uid"], "site B's uid never leaks")
            let inboxB = try await client.get("/api/v1/?action=inbox", key: Self.keyB).data["messages"]!.array
            XCTAssertEqual(inboxB.map { $0["message"] }, ["b"], "nothing reaches site B")
            let inboxA = try await client.get("/api/v1/?action=inbox", key: Self.keyA).data["messages"]!.array
            XCTAssertEqual(inboxA.map { $0["session_id"] }, ["session_fresh"], "nor site A")
            let owner = try await env.store.siteOfSession("session_bbb")
            XCTAssertEqual(owner, "site-b")
        }
    }

    func testGeneratedSiteKeysAreShownOnceAndWork() async throws {
        let database = temporaryDatabase()
        var logger = Logger(label: "t")
        logger.logLevel = .critical
        let environment = ["SANCTUM_API_KEY": TestKeys.api, "SANCTUM_ADMIN_KEY": TestKeys.admin]
        let (env, _, siteKeys) = try await SanctumServer.makeEnvironment(options: ServeOptions(database: database), config: Self.config,
                                                                         environment: environment, logger: logger, registry: .withProbes)
        XCTAssertEqual(Set(siteKeys.keys), ["site-a", "site-b"])
        XCTAssertEqual(env.sites.site(agentKey: siteKeys["site-a"]!)?.id, "site-a")
        XCTAssertNil(env.sites.site(agentKey: siteKeys["site-a"]! + "x"))
        env.close()
        let (again, _, secondTime) = try await SanctumServer.makeEnvironment(options: ServeOptions(database: database), config: Self.config,
                                                                             environment: environment, logger: logger, registry: .withProbes)
        XCTAssertTrue(secondTime.isEmpty)
        XCTAssertEqual(again.sites.site(agentKey: siteKeys["site-b"]!)?.id, "site-b")
        again.close()
    }
}

private extension String {
    /// The answer without its envelope `timestamp` (the only part that changes between calls).
    var dropTimestamp: String { replacingOccurrences(of: #""timestamp": ?"[^"]*""#, with: "", options: .regularExpression) }
}
