import Foundation
import Logging
import XCTest
@testable import SanctumServices

/// Export, erase, retention and the audit log, in process over the memory driver: no HTTP, no
/// file, no sleeps (the retention job's pass is called directly with the fixture's clock).
final class PrivacyServiceTests: XCTestCase {
    func testExportHoldsTheWholeConversationAndEraseLeavesAReceiptWithoutContents() async throws {
        let f = ServiceFixture()
        let message = try await f.post("session_p", "secret text")
        _ = try await f.services.conversations.postAgentReply(site: f.defaultSite, sessionID: "session_p", text: "secret answer",
                                                              messageID: .int(message.messageID), clientResponseID: nil,
                                                              request: ServiceFixture.visitor)
        let export = try await f.services.privacy.export(.session("session_p"))
        XCTAssertEqual(export["subject"], JSON.object(["session_id": .string("session_p")]))
        XCTAssertEqual(texts(export["messages"]), ["secret text"])
        XCTAssertEqual(texts(export["replies"]), ["secret answer"])
        guard case .array(let events)? = export["events"] else { return XCTFail("events") }
        XCTAssertEqual(events.compactMap { $0["type"]?.stringValue }, ["message", "reply"])

        let receipt = try await f.services.privacy.erase([.session("session_p"), .session("session_unknown")], actor: "admin:abc", clientIP: "192.0.2.1")
        XCTAssertEqual(receipt.sessionIDs, ["session_p"])
        XCTAssertEqual(receipt.messageIDs, [message.messageID])
        XCTAssertEqual(receipt.replyIDs.count, 1)
        XCTAssertFalse(receipt.json.serialized.contains("secret"))
        await assertRefusal("Session not found") { _ = try await f.services.privacy.export(.session("session_p")) }
        let audit = try await f.services.audit.page(limit: 10, offset: 0)
        XCTAssertEqual(audit.entries.map(\.action), ["privacy.erase"])
        XCTAssertEqual(audit.entries.first?.targets, ["session_p", "session_unknown"])
        XCTAssertEqual(audit.entries.first?.actor, "admin:abc")
        XCTAssertEqual(audit.entries.first?.clientIP, "192.0.2.1")
        XCTAssertFalse(audit.entries.first!.json.serialized.contains("secret"))
    }

    private func texts(_ items: JSON?) -> [String] {
        guard case .array(let items)? = items else { return [] }
        return items.compactMap { $0["text"]?.stringValue }
    }

    func testEraseRefusesBadInput() async throws {
        let f = ServiceFixture()
        await assertRefusal("Invalid session ID") { _ = try await f.services.privacy.erase([.session("bad id")], actor: "a", clientIP: nil) }
        await assertRefusal("Name 1 to 100 conversations") { _ = try await f.services.privacy.erase([], actor: "a", clientIP: nil) }
        let many = (0...100).map { PrivacySubject.session("session_\($0)") }
        await assertRefusal("Name 1 to 100 conversations") { _ = try await f.services.privacy.erase(many, actor: "a", clientIP: nil) }
    }

    func testRetentionErasesOnlyTheSitesConversationsInactiveLongerThanItsDays() async throws {
        let f = ServiceFixture()
        try await f.post("session_old", "old")
        try await f.post("session_acme_old", "old", site: f.acme)
        f.clock.advance(10 * 86_400)
        try await f.post("session_new", "new")
        var logger = Logger(label: "retention-test")
        logger.logLevel = .critical
        let job = RetentionJob(privacy: f.services.privacy, retentionDays: [defaultSiteID: 7], clock: f.clock.read, logger: logger)
        let erased = await job.runOnce()
        XCTAssertEqual(erased, 1)
        let oldSite = try await f.store.siteOfSession("session_old")
        let acmeSite = try await f.store.siteOfSession("session_acme_old")
        let newSite = try await f.store.siteOfSession("session_new")
        XCTAssertNil(oldSite)
        XCTAssertEqual(acmeSite, "acme", "a site without retention keeps everything")
        XCTAssertEqual(newSite, defaultSiteID)
        let audit = try await f.services.audit.page(limit: 10, offset: 0).entries
        XCTAssertEqual(audit.map(\.action), ["retention.run"])
        XCTAssertEqual(audit.first?.actor, "system")
        let again = await job.runOnce()
        XCTAssertEqual(again, 0, "nothing left to erase")
    }

    func testTheAuditLogPagesNewestFirst() async throws {
        let f = ServiceFixture()
        for index in 0..<5 {
            try await f.services.audit.record(actor: "admin:x", action: "block.add", targets: ["ip:192.0.2.\(index)"])
            f.clock.advance(1)
        }
        let page = try await f.services.audit.page(limit: 2, offset: 1)
        XCTAssertEqual(page.total, 5)
        XCTAssertEqual(page.entries.map(\.targets), [["ip:192.0.2.3"], ["ip:192.0.2.2"]])
        XCTAssertEqual(AuditLog.actor(adminKey: "key").count, "admin:".count + 12)
        XCTAssertNotEqual(AuditLog.actor(adminKey: "key"), AuditLog.actor(adminKey: "other key"))
    }
}
