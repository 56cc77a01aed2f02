@testable import Attachments
import PluginAPI
import PluginDispatch
import PluginTesting
import XCTest

/// Messages that name uploads carry them in `metadata.attachments.files`; visitors' messages also
/// name them in the text for agents that read only the text (Broca2's `web_chat`).
final class MessageAttachmentTests: XCTestCase {
    func hint(_ ids: [String]) -> MessageMetadata { MessageMetadata(["attachments": ["ids": .array(ids.map { .string($0) })]]) }

    func testAFileOnlyMessageReachesTextAgentsAsALineWithTheFileAndItsURL() async throws {
        let fixture = try await AttachmentsFixture { $0.publicURL = "https://chat.example.com/" }
        let upload = try await fixture.uploaded(ImageFixtures.jpeg(width: 640, height: 480), name: "holiday.jpg", type: "image/jpeg")
        let prepared = await fixture.harness.prepare(visitor: "holiday.jpg", sessionID: "session_alice", clientMetadata: hint([upload.id]))
        let url = "https://chat.example.com/plugins/attachments/file?id=\(upload.id)"
        XCTAssertEqual(upload.agentURL, url)
        let size = try XCTUnwrap(prepared.metadata?["attachments"]?["files"]?.arrayValue?.first?["size"]?.numberValue)
        XCTAssertEqual(prepared.text, "[Attachment: holiday.jpg (image/jpeg, \(MessageAttachments.byteCount(Int(size)))) \(url)]")
        let file = prepared.metadata?["attachments"]?["files"]?.arrayValue?.first
        XCTAssertEqual(file?["id"]?.stringValue, upload.id)
        XCTAssertEqual(file?["name"]?.stringValue, "holiday.jpg")
        XCTAssertEqual(file?["type"]?.stringValue, "image/jpeg")
        XCTAssertEqual(file?["width"]?.numberValue, 640)
        XCTAssertEqual(file?["height"]?.numberValue, 480)
        XCTAssertEqual(file?["url"]?.stringValue, url)
    }

    func testAMessageWithTextKeepsItAndGainsALinePerFile() async throws {
        let fixture = try await AttachmentsFixture()
        let first = try await fixture.uploaded(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        let second = try await fixture.uploaded(ImageFixtures.png(), name: "b.png", type: "image/png")
        let prepared = await fixture.harness.prepare(visitor: "Here are both", sessionID: "session_alice", clientMetadata: hint([first.id, second.id]))
        let lines = prepared.text?.components(separatedBy: "\n") ?? []
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines.first, "Here are both")
        XCTAssertTrue(lines[1].hasPrefix("[Attachment: a.pdf (application/pdf, "))
        XCTAssertEqual(prepared.metadata?["attachments"]?["files"]?.arrayValue?.count, 2)
        let plain = await fixture.harness.prepare(visitor: "no files", sessionID: "session_alice")
        XCTAssertEqual(plain, .accept(MessageDraft(kind: .visitor, sessionID: "session_alice", text: "no files")))
    }

    func testAnAgentAttachesItsUploadToAReply() async throws {
        let fixture = try await AttachmentsFixture()
        let upload = try await fixture.uploaded(ImageFixtures.pdf, name: "manual.pdf", type: "application/pdf", as: .agent)
        let prepared = await fixture.harness.prepare(agent: "The manual is attached", sessionID: "session_alice", clientMetadata: hint([upload.id]))
        XCTAssertEqual(prepared.text, "The manual is attached")
        XCTAssertEqual(prepared.metadata?["attachments"]?["files"]?.arrayValue?.first?["name"]?.stringValue, "manual.pdf")
    }

    func testRefusesIdsOfOtherConversationsUnknownIdsAndTooMany() async throws {
        let fixture = try await AttachmentsFixture { $0.maxFilesPerMessage = 1 }
        let alices = try await fixture.uploaded(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        let stolen = await fixture.harness.prepare(visitor: "mine now", sessionID: "session_mallory", clientMetadata: hint([alices.id]))
        XCTAssertEqual(stolen, .reject(code: "attachment.not_found", localizationKey: "error.attachment_not_found",
                                       message: "No such attachment", pluginID: "attachments"))
        let unknown = await fixture.harness.prepare(visitor: "x", sessionID: "session_alice", clientMetadata: hint([String(repeating: "0", count: 32)]))
        XCTAssertEqual(unknown.rejectionCode, "attachment.not_found")
        let second = try await fixture.uploaded(ImageFixtures.pdf, name: "b.pdf", type: "application/pdf")
        let tooMany = await fixture.harness.prepare(visitor: "x", sessionID: "session_alice", clientMetadata: hint([alices.id, second.id]))
        XCTAssertEqual(tooMany.rejectionCode, "attachment.too_many_files")
        let malformed = await fixture.harness.prepare(visitor: "x", sessionID: "session_alice",
                                                      clientMetadata: MessageMetadata(["attachments": ["ids": "not a list"]]))
        XCTAssertEqual(malformed.rejectionCode, "attachment.invalid_request")
    }
}

extension PreparedMessage {
    /// The code of a rejection, or `nil` when accepted.
    var rejectionCode: String? {
        if case .reject(let code, _, _, _) = self { return code }
        return nil
    }
}
