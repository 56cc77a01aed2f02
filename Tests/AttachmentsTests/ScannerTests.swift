@testable import Attachments
import PluginAPI
import PluginTesting
import XCTest

/// The clamd hook against a scripted socket: the INSTREAM framing, verdicts, and a scanner that is
/// down failing closed or open — never silently.
final class ScannerTests: XCTestCase {
    func scanning(_ onFailure: String = "closed") -> (inout Attachments.Configuration) -> Void {
        { configuration in
            configuration.scanner = Attachments.Scanner(socket: "/run/clamav/clamd.ctl", onFailure: onFailure)
            configuration.defaultLimits.allowedTypes.append("text/plain")
            configuration.tiers = ["premium": configuration.defaultLimits]
        }
    }

    func testSendsTheFileAsAnINSTREAMAndRefusesWhatClamdFinds() async throws {
        let peer = MockSocket(reply: Data("stream: Eicar-Signature FOUND\0".utf8))
        let fixture = try await AttachmentsFixture(scanning(), sockets: { _ in peer })
        let answer = await fixture.upload(ImageFixtures.eicar, name: "eicar.txt", type: "text/plain")
        XCTAssertEqual(answer.status, 422)
        XCTAssertEqual(AttachmentsFixture.errorCode(answer), "attachment.infected")
        XCTAssertEqual(fixture.host.socketConnections, [.unix(path: "/run/clamav/clamd.ctl")])
        let expected = Data("zINSTREAM\0".utf8) + Data([0, 0, 0, 68]) + ImageFixtures.eicar + Data([0, 0, 0, 0])
        XCTAssertEqual(peer.written, expected)
        XCTAssertEqual(try fixture.blobCount(), 0)
    }

    func testACleanFileIsStoredAsScanned() async throws {
        let fixture = try await AttachmentsFixture(scanning(), sockets: { _ in MockSocket(reply: Data("stream: OK\0".utf8)) })
        let answer = await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        XCTAssertEqual(((try AttachmentsFixture.object(answer)["data"] as? [String: Any])?["attachment"] as? [String: Any])?["scan"] as? String, "clean")
    }

    func testAScannerThatIsDownFailsClosedByDefault() async throws {
        let fixture = try await AttachmentsFixture(scanning(), sockets: { _ in throw PluginSocketError.connectionFailed("no such file") })
        let answer = await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        XCTAssertEqual(answer.status, 503)
        XCTAssertEqual(AttachmentsFixture.errorCode(answer), "attachment.scanner_unavailable")
        XCTAssertTrue(fixture.host.logs.contains { $0.level == .error && $0.message.contains("scanner.on_failure: closed") })
    }

    func testAScannerThatIsDownFailsOpenLoudlyWhenConfigured() async throws {
        let fixture = try await AttachmentsFixture(scanning("open"), sockets: { _ in MockSocket(failure: .timeout(.seconds(30))) })
        let answer = await fixture.upload(ImageFixtures.pdf, name: "a.pdf", type: "application/pdf")
        XCTAssertEqual(answer.status, 201)
        XCTAssertEqual(((try AttachmentsFixture.object(answer)["data"] as? [String: Any])?["attachment"] as? [String: Any])?["scan"] as? String, "skipped")
        XCTAssertTrue(fixture.host.logs.contains { $0.level == .warning && $0.message.contains("UNSCANNED") })
    }

    func testReadsClamdVerdicts() throws {
        XCTAssertEqual(try ClamdScanner.verdict("stream: OK\0"), .clean)
        XCTAssertEqual(try ClamdScanner.verdict("stream: Win.Test.EICAR_HDB-1 FOUND\0"), .infected(signature: "Win.Test.EICAR_HDB-1"))
        XCTAssertThrowsError(try ClamdScanner.verdict("INSTREAM size limit exceeded. ERROR\0"))
    }
}
