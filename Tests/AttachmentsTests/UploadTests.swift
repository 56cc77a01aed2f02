@testable import Attachments
import PluginAPI
import PluginTesting
import Synchronization
import XCTest

/// `POST /plugins/attachments/upload`: limits before reading, real types, stripping.
final class UploadTests: XCTestCase {
    func testStoresAStrippedImageWithItsSizeAndServesItInline() async throws {
        let fixture = try await AttachmentsFixture()
        let upload = try await fixture.uploaded(ImageFixtures.jpeg(width: 640, height: 480), name: "holiday.jpg", type: "image/jpeg")
        let answer = await fixture.fetch(upload.agentURL, as: .agent)
        XCTAssertEqual(answer.status, 200)
        XCTAssertFalse(answer.body.contains(ImageFixtures.secret), "the stored file is the stripped one")
        XCTAssertEqual(answer.headers["content-type"], "image/jpeg")
        XCTAssertEqual(answer.headers["x-content-type-options"], "nosniff")
        XCTAssertEqual(answer.headers["content-security-policy"], "sandbox")
        XCTAssertEqual(answer.headers["content-disposition"], "inline; filename=\"holiday.jpg\"; filename*=UTF-8''holiday.jpg")
        let wrongMethod = await fixture.harness.call("GET", "/plugins/attachments/upload")
        XCTAssertEqual(wrongMethod.status, 405)
        let json = try AttachmentsFixture.object(await fixture.upload(ImageFixtures.png(width: 32, height: 16), name: "a.png", type: "image/png"))
        let attachment = (json["data"] as? [String: Any])?["attachment"] as? [String: Any]
        XCTAssertEqual(attachment?["width"] as? Int, 32)
        XCTAssertEqual(attachment?["height"] as? Int, 16)
        XCTAssertEqual(attachment?["type"] as? String, "image/png")
        XCTAssertEqual(attachment?["scan"] as? String, "off")
    }

    func testADeclaredLengthOverTheTierLimitIsRefusedWithoutReadingTheBody() async throws {
        let fixture = try await AttachmentsFixture { $0.tiers = ["premium": Attachments.Limits(maxFileBytes: 1000)] }
        let route = try XCTUnwrap(fixture.harness.contributions["attachments"]?.routes.first { $0.path == "/upload" })
        let reads = ReadCounter()
        let request = PluginRequest(method: "POST", path: "/upload", query: ["session_id": "session_alice", "name": "huge.pdf"],
                                    headers: ["content-length": String(5 << 30), "content-type": "application/pdf"],
                                    bodyStream: PluginBodyStream { reads.count.add(1, ordering: .relaxed); return nil },
                                    site: SiteInfo(id: "acme", tier: "premium"))
        let answer = try await route.handle(request)
        XCTAssertEqual(answer.status, 413)
        XCTAssertEqual(AttachmentsFixture.errorCode(answer), "attachment.too_large")
        XCTAssertEqual(reads.count.load(ordering: .relaxed), 0, "not a byte of the body was read")
        let counted = try await fixture.host.storage.keys(prefix: "day:")
        XCTAssertEqual(counted, [], "a refusal does not count toward the daily limit")
    }

    func testABodyWithoutLengthIsCutOffAtTheLimitAndLeavesNothing() async throws {
        let fixture = try await AttachmentsFixture { $0.tiers = ["premium": Attachments.Limits(maxFileBytes: 2000)] }
        let big = ImageFixtures.pdf + Data(repeating: 0x20, count: 5000)
        let answer = await fixture.upload(big, name: "big.pdf", type: "application/pdf", declareLength: false)
        XCTAssertEqual(answer.status, 413)
        XCTAssertEqual(AttachmentsFixture.errorCode(answer), "attachment.too_large")
        XCTAssertEqual(try fixture.blobCount(), 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.appendingPathComponent("tmp").path), [])
    }

    func testTypeExtensionAndContentMustAgree() async throws {
        let fixture = try await AttachmentsFixture()
        let pngNamedJPEG = await fixture.upload(ImageFixtures.png(), name: "photo.jpg", type: "image/jpeg")
        XCTAssertEqual(AttachmentsFixture.errorCode(pngNamedJPEG), "attachment.type_mismatch")
        XCTAssertEqual(pngNamedJPEG.status, 415)
        let pngDeclaredJPEG = await fixture.upload(ImageFixtures.png(), name: "photo.png", type: "image/jpeg")
        XCTAssertEqual(AttachmentsFixture.errorCode(pngDeclaredJPEG), "attachment.type_mismatch")
        let executable = await fixture.upload(Data([0x4D, 0x5A, 0x90, 0, 3, 0, 0, 0]), name: "invoice.pdf", type: "application/pdf")
        XCTAssertEqual(AttachmentsFixture.errorCode(executable), "attachment.type_mismatch")
        let cutImage = await fixture.upload(ImageFixtures.jpeg().prefix(60), name: "cut.jpg", type: "image/jpeg")
        XCTAssertEqual(AttachmentsFixture.errorCode(cutImage), "attachment.unreadable_image")
        XCTAssertEqual(try fixture.blobCount(), 0)
    }

    func testEachTierAcceptsOnlyItsTypes() async throws {
        let fixture = try await AttachmentsFixture { $0.tiers = ["premium": Attachments.Limits(allowedTypes: ["image/png"])] }
        let pdf = await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        XCTAssertEqual(AttachmentsFixture.errorCode(pdf), "attachment.type_not_allowed")
        let text = await fixture.upload(Data("hello".utf8), name: "notes.exe", type: "application/octet-stream")
        XCTAssertEqual(AttachmentsFixture.errorCode(text), "attachment.type_not_allowed")
        let png = await fixture.upload(ImageFixtures.png(), name: "a.png", type: "image/png")
        XCTAssertEqual(png.status, 201)
    }

    func testLimitsFilesPerConversationPerDay() async throws {
        let fixture = try await AttachmentsFixture { $0.tiers = ["premium": Attachments.Limits(filesPerConversationPerDay: 2)] }
        for _ in 0..<2 { _ = try await fixture.uploaded(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf") }
        let refusedType = await fixture.upload(ImageFixtures.png(), name: "a.jpg", type: "image/jpeg")
        XCTAssertEqual(AttachmentsFixture.errorCode(refusedType), "attachment.daily_limit")
        let third = await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        XCTAssertEqual(third.status, 429)
        XCTAssertEqual(AttachmentsFixture.errorCode(third), "attachment.daily_limit")
        expectEqual(await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf", session: "session_bob").status, 201)
        fixture.host.advance(by: 86_400)
        expectEqual(await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf").status, 201)
    }

    func testRefusedUploadsDoNotCountTowardTheDailyLimit() async throws {
        let fixture = try await AttachmentsFixture { $0.tiers = ["premium": Attachments.Limits(filesPerConversationPerDay: 1)] }
        _ = await fixture.upload(ImageFixtures.png(), name: "wrong.jpg", type: "image/jpeg")
        expectEqual(await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf").status, 201)
    }

    func testRefusesRequestsWithoutAConversationOrAName() async throws {
        let fixture = try await AttachmentsFixture()
        let noSession = await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf", session: "../etc")
        XCTAssertEqual(noSession.status, 400)
        XCTAssertEqual(AttachmentsFixture.errorCode(noSession), "attachment.invalid_request")
        let noName = await fixture.upload(ImageFixtures.pdf, name: "", type: "application/pdf")
        XCTAssertEqual(AttachmentsFixture.errorCode(noName), "attachment.invalid_request")
        XCTAssertEqual(try UploadService.fileName("C:\\Users\\me\\secret plan.pdf"), "secret plan.pdf")
        XCTAssertEqual(try UploadService.fileName("../../etc/passwd"), "passwd")
    }

    func testRemovesUploadsACrashLeftInTheTempDirectory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attachments-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        try Data("half an upload".utf8).write(to: directory.appendingPathComponent("tmp/upload-123"))
        var configuration = Attachments.Configuration()
        configuration.directory = directory.path
        let host = MockHost()
        host.allowStorage()
        _ = try await Attachments(configuration: configuration).activate(host: host)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("tmp").path), [])
    }

    func testRefusesConfigurationsThatCannotWork() {
        func refuses(_ change: (inout Attachments.Configuration) -> Void) -> Bool {
            var configuration = Attachments.Configuration()
            change(&configuration)
            return (try? Attachments(configuration: configuration)) == nil
        }
        XCTAssertTrue(refuses { $0.driver = "s3" })
        XCTAssertTrue(refuses { $0.signingSecret = "short" })
        XCTAssertTrue(refuses { $0.tiers = ["free": Attachments.Limits(allowedTypes: ["application/x-msdownload"])] })
        XCTAssertTrue(refuses { $0.scanner.onFailure = "maybe" })
        XCTAssertFalse(refuses { _ in })
    }

    func testConforms() async throws {
        var configuration = Attachments.Configuration()
        configuration.directory = FileManager.default.temporaryDirectory.appendingPathComponent("attachments-conformance-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: configuration.directory) }
        let failures = await PluginConformance.check(Attachments.self, configuration: configuration)
        XCTAssertEqual(failures, [])
    }
}

/// Counts the reads of a request body.
final class ReadCounter: Sendable {
    let count = Atomic<Int>(0)
}
