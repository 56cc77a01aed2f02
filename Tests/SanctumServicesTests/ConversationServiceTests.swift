import Foundation
import XCTest
@testable import SanctumServices

/// The conversation rules, in process: no HTTP, no database file, no sleeps.
final class ConversationServiceTests: XCTestCase {
    func testVisitorMessageCreatesTheSessionAndRetriesStoreNothing() async throws {
        let f = ServiceFixture()
        let first = try await f.post("session_a", "hello", client: "c-1")
        XCTAssertTrue(first.isNewUser)
        let retry = try await f.post("session_a", "hello", client: "c-1")
        XCTAssertEqual(retry.messageID, first.messageID)
        XCTAssertTrue(retry.replayed)
        let inbox = try await f.take()
        XCTAssertEqual(inbox, ["hello"])
    }

    func testAnotherSitesSessionLooksFreshToAVisitorAndIsInvalidForAgents() async throws {
        let f = ServiceFixture()
        let acme = try await f.post("session_acme", "hi", site: f.acme)
        let intruder = try await f.post("session_acme", "intruder")
        XCTAssertTrue(intruder.isNewUser, "the answer of a fresh id (issue 9)")
        XCTAssertNotEqual(intruder.uid, acme.uid)
        XCTAssertEqual(intruder.uid.count, 16)
        let inbox = try await f.take(f.acme)
        XCTAssertEqual(inbox, ["hi"], "nothing was stored")
        await assertRefusal("Invalid session") {
            _ = try await f.services.conversations.postAgentReply(site: f.defaultSite, sessionID: "session_acme", text: "x", messageID: .null,
                                                                 clientResponseID: nil, request: ServiceFixture.visitor)
        }
    }

    func testAPollOfAnotherSitesSessionLooksLikeANewSessionAndCreatesNothing() async throws {
        let f = ServiceFixture()
        try await f.post("session_acme", "hi", site: f.acme)
        _ = try await f.services.conversations.postAgentReply(site: f.acme, sessionID: "session_acme", text: "acme's answer", messageID: .null,
                                                              clientResponseID: nil, request: ServiceFixture.visitor)
        let before = try await f.store.sessions(activeSince: nil, limit: 100, offset: 0)
        let foreign = try await f.services.conversations.replies(site: f.defaultSite, sessionID: "session_acme", since: nil, sinceID: nil,
                                                                 request: ServiceFixture.visitor)
        let fresh = try await f.services.conversations.replies(site: f.defaultSite, sessionID: "session_new", since: nil, sinceID: nil,
                                                               request: ServiceFixture.visitor)
        XCTAssertEqual(foreign, [], "the same answer as a session of this site without replies")
        XCTAssertEqual(fresh, [])
        let after = try await f.store.sessions(activeSince: nil, limit: 100, offset: 0)
        XCTAssertEqual(after.total, before.total, "a bare poll creates no session (issue 9), foreign or unknown")
        XCTAssertEqual(after.sessions.first { $0.id == "session_acme" }, before.sessions.first { $0.id == "session_acme" },
                       "acme's session is untouched")
        let owner = try await f.store.siteOfSession("session_acme")
        XCTAssertEqual(owner, "acme")
    }

    func testAgentReplyReachesTheVisitorsPoll() async throws {
        let f = ServiceFixture()
        let message = try await f.post("session_r", "question")
        let reply = try await f.services.conversations.postAgentReply(site: f.defaultSite, sessionID: "session_r", text: "answer",
                                                                      messageID: .int(message.messageID), clientResponseID: "r-1", request: ServiceFixture.visitor)
        let replies = try await f.services.conversations.replies(site: f.defaultSite, sessionID: "session_r", since: nil, sinceID: nil,
                                                                 request: ServiceFixture.visitor)
        XCTAssertEqual(replies.map(\.id), [reply.id])
        XCTAssertEqual(replies.first?.messageID, .int(message.messageID))
    }

    func testReplyMessageIDFollowsTheBridgeCoercion() throws {
        XCTAssertEqual(try ConversationService.replyMessageID(nil), .null)
        XCTAssertEqual(try ConversationService.replyMessageID(.int(0)), .null, "falsy is NULL")
        XCTAssertEqual(try ConversationService.replyMessageID(.string("")), .null)
        XCTAssertEqual(try ConversationService.replyMessageID(.bool(true)), .int(1))
        XCTAssertEqual(try ConversationService.replyMessageID(.string("42")), .string("42"))
        XCTAssertEqual(try ConversationService.replyMessageID(.double(1.5)), .double(1.5))
        XCTAssertThrowsError(try ConversationService.replyMessageID(.array([.int(1)])))
        XCTAssertThrowsError(try ConversationService.replyMessageID(.double(.nan)), "NaN is refused")
        XCTAssertThrowsError(try ConversationService.replyMessageID(.double(.infinity)), "Infinity is refused")
        XCTAssertThrowsError(try ConversationService.replyMessageID(.double(-.infinity)), "-Infinity is refused")
    }

    func testTypingAndReadNeedTheSessionOfTheCallersSite() async throws {
        let f = ServiceFixture()
        let message = try await f.post("session_t", "hi")
        try await f.services.conversations.typing(.visitor(f.defaultSite), sessionID: "session_t", active: true, request: ServiceFixture.visitor)
        try await f.services.conversations.read(.agent(f.defaultSite), sessionID: "session_t", upTo: message.messageID, request: nil)
        await assertRefusal("Invalid session") {
            try await f.services.conversations.typing(.agent(f.acme), sessionID: "session_t", active: true, request: nil)
        }
        await assertRefusal("Invalid session") {
            try await f.services.conversations.typing(.visitor(f.acme), sessionID: "session_t", active: true, request: ServiceFixture.visitor)
        }
        let types = try await f.store.events(in: .session("session_t", site: defaultSiteID), after: 0, limit: 10).map(\.type)
        XCTAssertEqual(types, ["message", "typing", "read"])
    }
}

/// Expects `body` to fail with a ``ServiceError`` worded `message`.
func assertRefusal(_ message: String, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void) async {
    do {
        try await body()
        XCTFail("expected '\(message)', got success", file: file, line: line)
    } catch let error as ServiceError {
        XCTAssertEqual(error.message, message, file: file, line: line)
    } catch {
        XCTFail("expected '\(message)', got \(error)", file: file, line: line)
    }
}
