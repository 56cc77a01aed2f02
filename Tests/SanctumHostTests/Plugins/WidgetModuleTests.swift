import Crypto
import Foundation
import HTTPTypes
import PluginAPI
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Widget modules through the real server: content-hashed immutable URLs, Subresource Integrity,
/// the tier's order in `/widget/init`, old and pre-2.2 URLs, and modules from a plugin's resources.
final class WidgetModuleTests: XCTestCase {
    static let config = try! SanctumConfig.parse(yaml: """
        tiers:
          ordered: { plugins: [module-probe, premium-probe] }
          reversed: { plugins: [premium-probe, module-probe] }
          plain: { plugins: [domain-allowlist] }
        sites:
          - { id: ordered, tier: ordered, widget_key: pk_ordered }
          - { id: reversed, tier: reversed, widget_key: pk_reversed }
          - { id: plain, tier: plain, widget_key: pk_plain }
        """)

    func testInitListsTheModulesInTheTiersOrderWithHashedURLsAndIntegrity() async throws {
        try await withServer(config: Self.config, registry: .withProbes) { client, _ in
            let ordered = try await client.get("/widget/init?apiKey=pk_ordered").data["plugins"]?.array ?? []
            XCTAssertEqual(ordered.map { $0["id"]?.stringValue }, ["module-probe", "premium-probe"])
            let reversed = try await client.get("/widget/init?apiKey=pk_reversed").data["plugins"]?.array ?? []
            XCTAssertEqual(reversed.map { $0["id"]?.stringValue }, ["premium-probe", "module-probe"])
            let plain = try await client.get("/widget/init?apiKey=pk_plain").data["plugins"]
            XCTAssertEqual(plain, [], "a site without modules gets an empty list")

            let probe = ordered[0]
            XCTAssertEqual(probe["options"], ["mode": "test"])
            XCTAssertEqual(probe["version"], "2.0.0")
            XCTAssertNil(ordered[1]["style"], "premium-probe has no CSS")
            let script = try XCTUnwrap(probe["script"]?["url"]?.stringValue)
            let hash = Secrets.hex(Array(SHA256.hash(data: Data(ModuleProbe.script.utf8))).prefix(10).map { $0 })
            XCTAssertEqual(script, "/widget/plugins/module-probe/\(hash)/module.js?widget_key=pk_ordered")
            let integrity = "sha384-" + Data(SHA384.hash(data: Data(ModuleProbe.script.utf8))).base64EncodedString()
            XCTAssertEqual(probe["script"]?["integrity"]?.stringValue, integrity)
            XCTAssertNotNil(probe["style"]?["integrity"]?.stringValue)
            let german = try XCTUnwrap(probe["strings"]?["de"]?["url"]?.stringValue)
            XCTAssertTrue(german.contains("/strings-de.json?"), german)

            let served = try await client.get(script)
            XCTAssertEqual(served.status, .ok)
            XCTAssertEqual(served.text, ModuleProbe.script)
            XCTAssertEqual(served.headers[.cacheControl], "public, max-age=31536000, immutable")
            XCTAssertEqual(served.headers[.accessControlAllowOrigin], "*", "SRI needs a CORS answer")
            XCTAssertTrue(served.contentType.hasPrefix("text/javascript"))
            let css = try await client.get(try XCTUnwrap(probe["style"]?["url"]?.stringValue))
            XCTAssertEqual(css.text, ".probe { color: red }")
            XCTAssertTrue(css.contentType.hasPrefix("text/css"))
            let strings = try await client.get(german)
            XCTAssertEqual(strings.json, ["hello": "Hallo"])
        }
    }

    func testTheWidgetsModuleListAnswersAnyOriginUncachedAndPluginRoutesAnswerCORS() async throws {
        try await withServer(config: Self.config, registry: .withProbes) { client, _ in
            let list = try await client.get("/widget/modules?widget_key=pk_reversed", headers: [.origin: "https://shop.example"])
            XCTAssertEqual(list.status, .ok)
            XCTAssertEqual(list.headers[.accessControlAllowOrigin], "*")
            XCTAssertEqual(list.headers[.cacheControl], "no-cache")
            let initList = try await client.get("/widget/init?apiKey=pk_reversed").data["plugins"]
            XCTAssertEqual(list.data["plugins"], initList, "the same list as /widget/init")
            let defaultSite = try await client.get("/widget/modules?widget_key=").data["plugins"]
            XCTAssertEqual(defaultSite, [], "no key: the default site, which has no modules here")
            let route = try await client.get("/plugins/premium-probe/ping?widget_key=pk_ordered", headers: [.origin: "https://shop.example"])
            XCTAssertEqual(route.status, .ok)
            XCTAssertEqual(route.headers[.accessControlAllowOrigin], "https://shop.example", "api.fetch calls from the site's pages")
            let preflight = try await client.send(.options, "/plugins/premium-probe/announce?widget_key=pk_ordered",
                                                  headers: [.origin: "https://shop.example", .accessControlRequestMethod: "POST"])
            XCTAssertEqual(preflight.status, .ok)
            XCTAssertEqual(preflight.headers[.accessControlAllowOrigin], "https://shop.example")
        }
    }

    func testOldAndUnhashedURLsAnswerTheCurrentFileWithAShortCacheOtherSitesGet404() async throws {
        try await withServer(config: Self.config, registry: .withProbes) { client, _ in
            let old = try await client.get("/widget/plugins/module-probe/0123456789abcdef0123/module.js?widget_key=pk_ordered")
            XCTAssertEqual(old.status, .ok, "a page from before an upgrade still gets an answer")
            XCTAssertEqual(old.text, ModuleProbe.script)
            XCTAssertEqual(old.headers[.cacheControl], "public, max-age=300", "never cached as immutable under an old hash")
            let legacy = try await client.get("/widget/plugins/module-probe/module.js?widget_key=pk_ordered")
            XCTAssertEqual(legacy.status, .ok)
            XCTAssertEqual(legacy.headers[.cacheControl], "public, max-age=300")
            let notEnabled = try await client.get("/widget/plugins/module-probe/module.js?widget_key=pk_plain").status
            XCTAssertEqual(notEnabled, .notFound)
            let unknownFile = try await client.get("/widget/plugins/premium-probe/x/module.css?widget_key=pk_ordered").status
            XCTAssertEqual(unknownFile, .notFound)
            let tooDeep = try await client.get("/widget/plugins/module-probe/a/b/module.js?widget_key=pk_ordered").status
            XCTAssertEqual(tooDeep, .notFound)
        }
    }

    func testAModuleReadsItsFilesFromThePluginsResources() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("module-bundle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("widget"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("run()".utf8).write(to: folder.appendingPathComponent("widget/module.js"))
        try Data("{}".utf8).write(to: folder.appendingPathComponent("widget/fr.json"))
        let bundle = try XCTUnwrap(Bundle(path: folder.path))
        let module = try WidgetModule(bundle: bundle, script: "widget/module.js", strings: ["fr": "widget/fr.json"], options: ["a": "b"])
        XCTAssertEqual(module.javascript, "run()")
        XCTAssertNil(module.css)
        XCTAssertEqual(module.strings, ["fr": Data("{}".utf8)])
        XCTAssertThrowsError(try WidgetModule(bundle: bundle, script: "widget/module.js", style: "widget/missing.css")) { error in
            XCTAssertEqual((error as? WidgetModule.MissingFile)?.path, "widget/missing.css")
        }
    }
}
