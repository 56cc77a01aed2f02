@testable import Attachments
import PluginAPI
import PluginTesting
import XCTest

/// `GET /plugins/attachments/file`: signed expiring links for browsers, keys for agents, ranges.
final class DownloadTests: XCTestCase {
    func testABrowserLinkWorksUntilItExpiresAndTheAgentLinkNeverDies() async throws {
        let fixture = try await AttachmentsFixture { $0.linkLifetimeSeconds = 600 }
        let upload = try await fixture.uploaded(ImageFixtures.pdf, name: "invoice.pdf", type: "application/pdf")
        XCTAssertTrue(upload.url.contains("widget_key=pk_acme"), upload.url)
        let fresh = await fixture.fetch(upload.url)
        XCTAssertEqual(fresh.status, 200)
        XCTAssertEqual(fresh.body, ImageFixtures.pdf)
        XCTAssertEqual(fresh.headers["content-disposition"], "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf")
        XCTAssertEqual(fresh.headers["content-security-policy"], "sandbox")
        fixture.host.advance(by: 601)
        let expired = await fixture.fetch(upload.url)
        XCTAssertEqual(expired.status, 403)
        XCTAssertEqual(AttachmentsFixture.errorCode(expired), "attachment.link_expired")
        expectEqual(await fixture.fetch(upload.agentURL, as: .agent).status, 200, "agents fetch with their key, whenever")
        expectEqual(AttachmentsFixture.errorCode(await fixture.fetch(upload.agentURL)), "attachment.invalid_link")
    }

    func testATamperedOrForeignLinkIsRefused() async throws {
        let fixture = try await AttachmentsFixture { $0.siteLinkLifetimeSeconds = ["acme": 60] }
        let upload = try await fixture.uploaded(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        let tampered = upload.url.replacingOccurrences(of: "expires=", with: "expires=9")
        expectEqual(AttachmentsFixture.errorCode(await fixture.fetch(tampered)), "attachment.invalid_link")
        let otherSite = SiteInfo(id: "globex", tier: "premium")
        expectEqual(await fixture.fetch(upload.url, site: otherSite).status, 200,
                    "a signed link covers its site: it works without that site's widget key (the console's links)")
        let forged = upload.url.replacingOccurrences(of: "id=\(upload.id)", with: "id=\(String(upload.id.reversed()))")
        expectEqual(await fixture.fetch(forged, site: otherSite).status, 404, "another id under the same signature is not found")
        expectEqual(await fixture.fetch(upload.agentURL, as: .agent, site: otherSite).status, 404)
        expectEqual(await fixture.fetch(upload.agentURL, as: .admin, site: otherSite).status, 200)
        fixture.host.advance(by: 61)
        expectEqual(AttachmentsFixture.errorCode(await fixture.fetch(upload.url)), "attachment.link_expired", "the site's own lifetime")
    }

    func testALinkRouteGivesTheVisitorOfTheConversationAFreshLink() async throws {
        let fixture = try await AttachmentsFixture()
        let upload = try await fixture.uploaded(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        fixture.host.advance(by: 7200)
        let link = await fixture.harness.call("GET", "/plugins/attachments/link", query: ["id": upload.id, "session_id": "session_alice", "widget_key": "pk_acme"])
        let url = try XCTUnwrap((try AttachmentsFixture.object(link)["data"] as? [String: Any])?["url"] as? String)
        expectEqual(await fixture.fetch(url).status, 200)
        let stranger = await fixture.harness.call("GET", "/plugins/attachments/link", query: ["id": upload.id, "session_id": "session_mallory"])
        XCTAssertEqual(stranger.status, 404)
    }

    func testServesRanges() async throws {
        let fixture = try await AttachmentsFixture()
        let content = ImageFixtures.pdf + Data(repeating: 0x41, count: 10_000)
        let upload = try await fixture.uploaded(content, name: "big.pdf", type: "application/pdf")
        let head = await fixture.fetch(upload.agentURL, as: .agent, headers: ["range": "bytes=0-3"])
        XCTAssertEqual(head.status, 206)
        XCTAssertEqual(head.body, Data("%PDF".utf8))
        XCTAssertEqual(head.headers["content-range"], "bytes 0-3/\(content.count)")
        let tail = await fixture.fetch(upload.agentURL, as: .agent, headers: ["range": "bytes=-5"])
        XCTAssertEqual(tail.body, content.suffix(5))
        let open = await fixture.fetch(upload.agentURL, as: .agent, headers: ["range": "bytes=10000-"])
        XCTAssertEqual(open.body, content.subdata(in: 10_000..<content.count))
        let beyond = await fixture.fetch(upload.agentURL, as: .agent, headers: ["range": "bytes=999999-"])
        XCTAssertEqual(beyond.status, 416)
        XCTAssertEqual(beyond.headers["content-range"], "bytes */\(content.count)")
        XCTAssertEqual(head.headers["accept-ranges"], "bytes")
    }

    func testParsesByteRanges() {
        XCTAssertEqual(DownloadService.byteRange("bytes=0-0", size: 10), 0..<1)
        XCTAssertEqual(DownloadService.byteRange("bytes=5-100", size: 10), 5..<10)
        XCTAssertEqual(DownloadService.byteRange("bytes=-100", size: 10), 0..<10)
        XCTAssertEqual(DownloadService.byteRange("bytes=2-4, 6-7", size: 10), 2..<5)
        XCTAssertNil(DownloadService.byteRange("bytes=4-2", size: 10))
        XCTAssertNil(DownloadService.byteRange("bytes=10-", size: 10))
        XCTAssertNil(DownloadService.byteRange("items=0-1", size: 10))
    }
}
