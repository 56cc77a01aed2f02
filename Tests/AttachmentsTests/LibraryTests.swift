@testable import Attachments
import PluginAPI
import PluginTesting
import XCTest

/// Reference counting: one content, several conversations; deletion and orphan collection.
final class LibraryTests: XCTestCase {
    func testDeletingAConversationKeepsTheBlobsAnotherStillUses() async throws {
        let fixture = try await AttachmentsFixture()
        let alices = try await fixture.uploaded(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf", session: "session_alice")
        let bobs = try await fixture.uploaded(ImageFixtures.pdf, name: "b.pdf", type: "application/pdf", session: "session_bob")
        XCTAssertEqual(try fixture.blobCount(), 1, "the same content is stored once")
        let deleted = await fixture.harness.call("POST", "/plugins/attachments/conversation/delete", as: .agent, query: ["session_id": "session_alice"])
        XCTAssertEqual(deleted.status, 200)
        expectEqual(await fixture.fetch(alices.agentURL, as: .agent).status, 404)
        expectEqual(await fixture.fetch(bobs.agentURL, as: .agent).status, 200)
        XCTAssertEqual(try fixture.blobCount(), 1)
        _ = await fixture.harness.call("POST", "/plugins/attachments/conversation/delete", as: .agent, query: ["session_id": "session_bob"])
        XCTAssertEqual(try fixture.blobCount(), 0, "no one references it any more")
        let visitor = await fixture.harness.call("POST", "/plugins/attachments/conversation/delete", query: ["session_id": "session_bob"])
        XCTAssertEqual(visitor.status, 401)
    }

    /// The host's own deletions (erase, retention, idle cleanup) reach the plugin as
    /// `conversation_deleted` events of its durable subscription (PluginAPI 2.4).
    func testTheHostsConversationDeletionsDeleteTheFiles() async throws {
        let fixture = try await AttachmentsFixture()
        let alices = try await fixture.uploaded(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf", session: "session_alice")
        let bobs = try await fixture.uploaded(ImageFixtures.png(), name: "b.png", type: "image/png", session: "session_bob")
        XCTAssertEqual(try fixture.blobCount(), 2)
        try await fixture.harness.deleteConversations(["session_alice"], reason: "erase")
        expectEqual(await fixture.fetch(alices.agentURL, as: .agent).status, 404)
        expectEqual(await fixture.fetch(bobs.agentURL, as: .agent).status, 200)
        XCTAssertEqual(try fixture.blobCount(), 1, "alice's blob file is deleted")
        expectEqual(try await fixture.host.storage.keys(prefix: "conv:\(fixture.harness.site.id):session_alice:"), [])
        try await fixture.harness.deleteConversations(["session_alice", "session_bob"], reason: "retention", firstEventID: 2)
        XCTAssertEqual(try fixture.blobCount(), 0, "a repeated deletion is harmless (at least once), the next one deletes bob's")
    }

    func testCollectsBlobsNoRecordReferencesOnceTheyAreOlderThanTheGracePeriod() async throws {
        let fixture = try await AttachmentsFixture { $0.orphanGraceSeconds = 600 }
        let kept = try await fixture.uploaded(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        // What kill -9 between storing a blob and committing its record leaves: a blob and a reference, no record.
        let store = try FileSystemBlobStore(root: fixture.directory)
        let orphan = fixture.directory.appendingPathComponent("tmp/orphan")
        try ImageFixtures.png().write(to: orphan)
        let digest = SHA256.hash(ImageFixtures.png()).hexDigits
        try await store.adopt(orphan, digest: digest)
        try await fixture.host.storage.set(Data(), for: "ref:\(digest):\(String(repeating: "1", count: 32))")
        let early = await fixture.harness.call("POST", "/plugins/attachments/collect", as: .admin)
        XCTAssertEqual((try AttachmentsFixture.object(early)["data"] as? [String: Any])?["collected"] as? Int, 0)
        fixture.host.advance(by: 601)
        let late = await fixture.harness.call("POST", "/plugins/attachments/collect", as: .admin)
        XCTAssertEqual((try AttachmentsFixture.object(late)["data"] as? [String: Any])?["collected"] as? Int, 1)
        XCTAssertEqual(try fixture.blobCount(), 1)
        expectEqual(try await fixture.host.storage.keys(prefix: "ref:\(digest)"), [])
        expectEqual(await fixture.fetch(kept.agentURL, as: .agent).status, 200, "referenced blobs stay")
        expectEqual(await fixture.harness.call("POST", "/plugins/attachments/collect", as: .agent).status, 403)
    }

    func testConcurrentUploadsAndDeletionsNeverLeaveARecordWithoutItsBlob() async throws {
        let fixture = try await AttachmentsFixture()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    _ = await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf", session: "session_\(index % 4)")
                }
                group.addTask {
                    _ = await fixture.harness.call("POST", "/plugins/attachments/conversation/delete", as: .agent,
                                                   query: ["session_id": "session_\(index % 4)"])
                }
            }
        }
        for key in try await fixture.host.storage.keys(prefix: "file:") {
            let id = String(key.dropFirst("file:".count))
            expectEqual(await fixture.harness.call("GET", "/plugins/attachments/file", as: .agent, query: ["id": id]).status, 200)
        }
    }

    func testTheDatabaseDriverServesTheSameFiles() async throws {
        let fixture = try await AttachmentsFixture { $0.driver = "database" }
        let content = ImageFixtures.pdf + Data(repeating: 0x42, count: 300_000)
        let upload = try await fixture.uploaded(content, name: "a.pdf", type: "application/pdf")
        expectEqual(await fixture.fetch(upload.agentURL, as: .agent).body, content)
        XCTAssertEqual(try fixture.blobCount(), 0, "no files: the blob is in the database")
        _ = await fixture.harness.call("POST", "/plugins/attachments/conversation/delete", as: .agent, query: ["session_id": "session_alice"])
        expectEqual(try await fixture.host.storage.keys(prefix: "blob"), [])
    }
}
