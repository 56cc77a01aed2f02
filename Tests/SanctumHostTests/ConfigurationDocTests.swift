import Foundation
import HTTPTypes
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// The YAML examples of `docs/configuration.md` work as printed: together they start a server.
final class ConfigurationDocTests: XCTestCase {
    /// Every ```yaml block of the page, joined (each shows different top-level keys).
    static func documentedExample() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let blocks = page.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        XCTAssertGreaterThanOrEqual(blocks.count, 3, "the page shows the server, sites and real-time sections")
        return blocks.joined(separator: "\n")
    }

    func testTheDocumentedExampleStartsTheServerAsWritten() async throws {
        let config = try SanctumConfig.parse(yaml: try Self.documentedExample())
        // The listener and the database come from the test (flags win over the file); the rest is the example's.
        try await withServer(config: config, registry: .shipped) { client, env in
            XCTAssertEqual(env.sites.all.map(\.id), ["default", "acme"])
            let acme = #"{"session_id":"session_doc_1","message":"hello","widget_key":"pk_live_acme"}"#
            let allowed = try await client.post("/api/v1/?action=messages", json: acme, headers: [.origin: "https://shop.acme.example"])
            XCTAssertEqual(allowed.status, .ok, allowed.text)
            let darn = #"{"session_id":"session_doc_2","message":"oh darn","widget_key":"pk_live_acme"}"#
            let filtered = try await client.post("/api/v1/?action=messages", json: darn, headers: [.origin: "https://acme.example"])
            XCTAssertEqual(filtered.json["error_code"], "word_filter.blocked", "acme is premium: the word filter runs")
            let elsewhere = try await client.post("/api/v1/?action=messages", json: acme, headers: [.origin: "https://evil.example"])
            XCTAssertEqual(elsewhere.json["error_code"], "origin.not_allowed")
        }
    }

    func testASiteWithoutAnIDIsRefusedWithTheKeyPath() async throws {
        let config = try SanctumConfig.parse(yaml: "sites:\n  - { tier: free, widget_key: pk_x }\n")
        do {
            _ = try await withServer(config: config) { _, _ in }
            XCTFail("started")
        } catch let error as ConfigError {
            XCTAssertEqual(error.description, "sites[0].id: required key is missing")
        }
    }
}
