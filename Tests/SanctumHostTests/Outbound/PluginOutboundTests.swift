import Foundation
import HummingbirdTesting
import PluginAPI
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// A plugin reaches a peer through `host.http` on the real server, under the `outbound` section,
/// and the server's client is shut down when the server stops.
final class PluginOutboundTests: XCTestCase {
    /// Fetches `/hello` from the peer whose port the query names.
    struct FetchProbe: Plugin {
        static let descriptor = PluginDescriptor(id: "fetch-probe", version: "1", minimumAPIVersion: PluginAPIVersion(2, 2),
                                                 capabilities: [.routes, .outboundHTTP], summary: "test: outbound HTTP")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(routes: [PluginRoute("GET", "/fetch", access: .public) { request in
                guard let port = request.query["port"], let url = URL(string: "http://\(request.query["host"] ?? "127.0.0.1"):\(port)/hello") else {
                    return PluginResponse(status: 400)
                }
                do {
                    let answer = try await host.http.send(PluginHTTPRequest(url: url))
                    return try .json(["status": String(answer.status), "body": String(decoding: answer.body, as: UTF8.self)])
                } catch {
                    return try .json(["error": String(describing: error)], status: 502)
                }
            }])
        }
    }

    func testAPluginReachesAnAllowedPeerAndTheClientStopsWithTheServer() async throws {
        let config = try SanctumConfig.parse(yaml: """
            tiers: { free: { plugins: [fetch-probe] } }
            outbound: { allowed_hosts: [127.0.0.1] }
            """)
        try await OutboundHTTPTests.peer().test(.live) { peer in
            let port = try XCTUnwrap(peer.port)
            let env = try await withServer(config: config, registry: PluginRegistry.shipped.adding([FetchProbe.self])) { client, env in
                let fetched = try await client.get("/plugins/fetch-probe/fetch?port=\(port)")
                XCTAssertEqual(fetched.json, ["status": "200", "body": "hi"], fetched.text)
                let refused = try await client.get("/plugins/fetch-probe/fetch?port=\(port)&host=localhost")
                XCTAssertEqual(refused.status, .badGateway)
                let loopback = try await Self.firstAddress(of: "localhost")
                XCTAssertEqual(refused.json["error"]?.stringValue, "localhost resolves to \(loopback), which outbound requests may not reach",
                               "only the listed name is allowed")
                return env
            }
            do {
                _ = try await env.outboundHTTP.send(PluginHTTPRequest(url: try XCTUnwrap(URL(string: "http://127.0.0.1:\(port)/hello"))))
                XCTFail("the client still runs after the server stopped")
            } catch PluginHTTPError.connectionFailed(let reason) {
                XCTAssertEqual(reason, "the server is stopping")
            }
        }
    }

    /// The address the resolver gives first for `host` (`127.0.0.1` or `::1`, by the machine's order).
    private static func firstAddress(of host: String) async throws -> String {
        let addresses = try await CheckedResolver(rules: OutboundRules(allowPrivate: true)).addresses(host: host, port: 80)
        return addresses.first?.ipAddress ?? ""
    }
}
