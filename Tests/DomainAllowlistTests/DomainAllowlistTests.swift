import DomainAllowlist
import PluginAPI
import PluginTesting
import XCTest

final class DomainAllowlistTests: XCTestCase {
    let site = SiteInfo(id: "acme", tier: "free", allowedOrigins: ["https://acme.example", "https://*.acme.example", "localhost:8080", "http://127.0.0.1:5500"])

    private func harness(_ configuration: DomainAllowlist.Configuration = .init()) async throws -> HookHarness {
        try await HookHarness(DomainAllowlist.self, configuration: configuration, site: site)
    }

    func testExactAndWildcardOriginsAreAllowed() async throws {
        let h = try await harness()
        for origin in ["https://acme.example", "https://ACME.example", "https://shop.acme.example", "https://a.b.acme.example",
                       "https://acme.example:443", "http://localhost:8080", "https://localhost:8080", "http://127.0.0.1:5500"] {
            let verdict = await h.authorize(origin: origin)
            XCTAssertEqual(verdict, .allow, origin)
        }
    }

    func testOtherOriginsAreDenied() async throws {
        let h = try await harness()
        for origin in ["https://evil.example", "http://acme.example", "https://acme.example.evil.com", "https://xacme.example",
                       "https://acme.example:8443", "http://localhost:8081", "null", "https://127.0.0.1:5500"] {
            let verdict = await h.authorize(origin: origin)
            guard case .deny(let status, let code, _) = verdict else { return XCTFail("\(origin) allowed") }
            XCTAssertEqual(status, 403, origin)
            XCTAssertEqual(code, DomainAllowlist.deniedCode)
        }
    }

    func testWildcardDoesNotMatchTheBareDomainUnlessListed() async throws {
        var h = try await harness()
        h.site = SiteInfo(id: "x", tier: "free", allowedOrigins: ["https://*.example.org"])
        let bare = await h.authorize(origin: "https://example.org")
        XCTAssertNotEqual(bare, .allow)
        let sub = await h.authorize(origin: "https://www.example.org")
        XCTAssertEqual(sub, .allow)
    }

    func testSiteWithoutAllowlistAbstains() async throws {
        var h = try await harness()
        h.site = SiteInfo(id: "open", tier: "free")
        let verdict = await h.authorize(origin: "https://anything.example")
        XCTAssertEqual(verdict, .abstain)
    }

    func testRequestsWithoutOriginFollowTheOption() async throws {
        let lenient = await (try await harness()).authorize(origin: nil)
        XCTAssertEqual(lenient, .abstain)
        let strict = await (try await harness(.init(allowRequestsWithoutOrigin: false))).authorize(origin: nil)
        guard case .deny = strict else { return XCTFail("allowed without origin") }
    }

    func testConforms() async {
        let failures = await PluginConformance.check(DomainAllowlist.self, configuration: .init(), site: site)
        XCTAssertEqual(failures, [])
    }
}
