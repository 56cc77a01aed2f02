import Foundation
import HTTPTypes
import NIOCore
import Hummingbird
import HummingbirdTesting
import PluginAPI
import XCTest
@testable import SanctumHost

/// The plugins' outbound HTTP client against a real HTTP server on 127.0.0.1, started by each test.
final class OutboundHTTPTests: XCTestCase {
    /// The peer: a few answers a webhook or translation endpoint might give.
    static func peer() -> some ApplicationProtocol {
        let router = Router()
        router.get("/hello") { _, _ in
            Response(status: .ok, headers: [HTTPField.Name("X-Peer")!: "yes"], body: .init(byteBuffer: ByteBuffer(string: "hi")))
        }
        router.post("/echo") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let host = request.head.authority ?? ""
            return Response(status: .created, headers: [HTTPField.Name("X-Seen-Host")!: host], body: .init(byteBuffer: body))
        }
        router.get("/redirect") { _, _ in Response(status: .found, headers: [.location: "/hello"]) }
        router.get("/slow") { _, _ in
            try await Task.sleep(for: .milliseconds(1500))
            return Response(status: .ok)
        }
        router.get("/big") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0x61, count: 10_000))) }
        router.get("/big-chunked") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<10 { try await writer.write(ByteBuffer(repeating: 0x62, count: 1_000)) }
                try await writer.finish(nil)
            })
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Runs `body` with a client under `rules` and the peer's base URL; shuts the client down after.
    func withPeer(rules: OutboundRules, _ body: @Sendable (OutboundHTTPClient, String) async throws -> Void) async throws {
        try await Self.peer().test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let outbound = OutboundHTTPClient(rules: rules)
            do {
                try await body(outbound, "http://127.0.0.1:\(port)")
            } catch {
                await outbound.shutdown()
                throw error
            }
            await outbound.shutdown()
        }
    }

    static let loopbackAllowed = OutboundRules(allowedHosts: ["127.0.0.1"])

    func testAnAllowedLoopbackHostIsReachedWithMethodHeadersAndBody() async throws {
        try await withPeer(rules: Self.loopbackAllowed) { client, base in
            let hello = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: base + "/hello"))))
            XCTAssertEqual(hello.status, 200)
            XCTAssertEqual(String(decoding: hello.body, as: UTF8.self), "hi")
            XCTAssertEqual(hello.headers["x-peer"], "yes", "header names come lowercased")

            let echo = try await client.send(PluginHTTPRequest(method: "post", url: try XCTUnwrap(URL(string: base + "/echo")),
                                                               headers: ["Content-Type": "application/json"], body: Data(#"{"a":1}"#.utf8)))
            XCTAssertEqual(echo.status, 201)
            XCTAssertEqual(String(decoding: echo.body, as: UTF8.self), #"{"a":1}"#)
            XCTAssertEqual(echo.headers["x-seen-host"], String(base.dropFirst("http://".count)), "the Host header names the URL's host and port")
        }
    }

    func testLoopbackAndPrivateAddressesAreRefusedWithoutTheAllowance() async throws {
        try await withPeer(rules: OutboundRules()) { client, base in
            let port = base.split(separator: ":").last.map(String.init) ?? "80"
            let refused: [(String, String)] = [
                ("http://127.0.0.1:\(port)/hello", "127.0.0.1"),
                ("http://localhost:\(port)/hello", "localhost"),
                ("http://[::1]:\(port)/hello", "::1"),
                ("http://[::ffff:127.0.0.1]:\(port)/hello", "::ffff:127.0.0.1"),
                ("http://10.1.2.3/", "10.1.2.3"),
                ("https://192.168.0.10/", "192.168.0.10"),
                ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
                ("http://100.64.0.1/", "100.64.0.1"),
                ("http://0.0.0.0:\(port)/", "0.0.0.0"),
            ]
            for (url, host) in refused {
                do {
                    _ = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: url))))
                    XCTFail("\(url) was reached")
                } catch let PluginHTTPError.refusedAddress(refusedHost, _) {
                    XCTAssertEqual(refusedHost, host, url)
                }
            }
            do {
                _ = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: "ftp://127.0.0.1/file"))))
                XCTFail("ftp was accepted")
            } catch PluginHTTPError.invalidURL {}
        }
    }

    func testAllowPrivateOpensEveryLoopbackName() async throws {
        try await withPeer(rules: OutboundRules(allowPrivate: true)) { client, base in
            let viaName = base.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            let hello = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: viaName + "/hello"))))
            XCTAssertEqual(hello.status, 200)
        }
    }

    func testARedirectIsReturnedNotFollowed() async throws {
        try await withPeer(rules: Self.loopbackAllowed) { client, base in
            let answer = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: base + "/redirect"))))
            XCTAssertEqual(answer.status, 302)
            XCTAssertEqual(answer.headers["location"], "/hello")
            XCTAssertTrue(answer.body.isEmpty)
        }
    }

    func testASlowAnswerTimesOutAtTheRequestsTimeout() async throws {
        try await withPeer(rules: Self.loopbackAllowed) { client, base in
            let started = ContinuousClock.now
            do {
                _ = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: base + "/slow")), timeout: .milliseconds(300)))
                XCTFail("no timeout")
            } catch PluginHTTPError.timeout(let limit) {
                XCTAssertEqual(limit, .milliseconds(300))
            }
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(1), "the request gave up at its timeout")
        }
    }

    func testTheHostCapsTheTimeoutAPluginAsksFor() async throws {
        var rules = Self.loopbackAllowed
        rules.maxTimeout = .milliseconds(200)
        try await withPeer(rules: rules) { client, base in
            do {
                _ = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: base + "/slow")), timeout: .seconds(30)))
                XCTFail("no timeout")
            } catch PluginHTTPError.timeout(let limit) {
                XCTAssertEqual(limit, .milliseconds(200))
            }
        }
    }

    func testAResponseOverItsCapFailsWithBodyTooLarge() async throws {
        try await withPeer(rules: Self.loopbackAllowed) { client, base in
            for path in ["/big", "/big-chunked"] {
                do {
                    _ = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: base + path)), maxResponseBytes: 1_000))
                    XCTFail("\(path): no cap")
                } catch PluginHTTPError.bodyTooLarge(let limit) {
                    XCTAssertEqual(limit, 1_000, path)
                }
                let whole = try await client.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: base + path)), maxResponseBytes: 10_000))
                XCTAssertEqual(whole.body.count, 10_000, "\(path) within its cap")
            }
        }
    }

    func testTheOutboundSectionDecodesAndRefusesBadTimeouts() throws {
        let config = try SanctumConfig.parse(yaml: """
            outbound: { allow_private: false, allowed_hosts: [LocalHost, "[::1]"], unix_sockets: [/run/clamav/clamd.ctl], max_timeout_seconds: 20 }
            """)
        let rules = try OutboundRules(config.outbound)
        XCTAssertEqual(rules.allowedHosts, ["localhost", "::1"])
        XCTAssertEqual(rules.unixSockets, ["/run/clamav/clamd.ctl"])
        XCTAssertEqual(rules.maxTimeout, .seconds(20))
        XCTAssertFalse(rules.allowPrivate)
        let bad = try SanctumConfig.parse(yaml: "outbound: { max_timeout_seconds: 0 }")
        XCTAssertThrowsError(try OutboundRules(bad.outbound)) { error in
            XCTAssertEqual("\(error)", "outbound.max_timeout_seconds: must be a number of seconds above 0 and at most 3600")
        }
        XCTAssertThrowsError(try SanctumConfig.parse(yaml: "outbound: { allow_private: sometimes }")) { error in
            XCTAssertTrue("\(error)".hasPrefix("outbound.allow_private:"), "\(error)")
        }
    }
}
