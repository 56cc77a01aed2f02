import Foundation
import PluginAPI
import PluginTesting
import XCTest

/// The 2.2 host services in the test kit: `MockHost`'s outbound HTTP and socket fakes, the
/// capability checks in front of them, and streamed route bodies in `HookHarness.call`.
final class HostServicesTests: XCTestCase {
    /// Posts a webhook, scans an upload with clamd, and stores nothing: enough to exercise the fakes.
    struct Relay: Plugin {
        static let descriptor = PluginDescriptor(id: "relay", version: "1", minimumAPIVersion: PluginAPIVersion(2, 2),
                                                 capabilities: [.routes, .outboundHTTP, .sockets], summary: "test: host services")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            PluginContributions(routes: [
                PluginRoute("POST", "/notify") { request in
                    let hook = try XCTUnwrap(URL(string: "https://hooks.example/in"))
                    let answer = try await host.http.send(PluginHTTPRequest(method: "POST", url: hook, headers: ["x-signature": "sig"], body: request.body))
                    return PluginResponse(status: answer.status, body: answer.body)
                },
                PluginRoute("POST", "/scan", body: .streamed(maxBytes: 100)) { request in
                    let verdict = try await host.sockets.withConnection(to: .unix(path: "/run/clamd.ctl")) { socket in
                        try await socket.write(Data("zINSTREAM\0".utf8))
                        for try await chunk in request.bodyStream { try await socket.write(chunk) }
                        return try await socket.readToEnd(maxBytes: 100)
                    }
                    return PluginResponse(body: verdict)
                },
            ])
        }
    }

    /// The same routes from a plugin that declares neither service.
    struct Undeclared: Plugin {
        static let descriptor = PluginDescriptor(id: "relay", version: "1", capabilities: [.routes], summary: "test: undeclared")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            try await Relay(configuration: NoConfiguration()).activate(host: host)
        }
    }

    func testMockHostAnswersScriptedHTTPAndRecordsTheRequests() async throws {
        let host = MockHost()
        host.onUnexpectedCall = { XCTFail($0) }
        host.allowHTTP { request in PluginHTTPResponse(status: request.headers["x-signature"] == "sig" ? 202 : 400, body: Data("ok".utf8)) }
        let harness = try await HookHarness(Relay.self, configuration: NoConfiguration(), host: host)
        let answer = await harness.call("POST", "/plugins/relay/notify", as: .agent, body: Data("event".utf8))
        XCTAssertEqual(answer.status, 202)
        XCTAssertEqual(answer.body, Data("ok".utf8))
        XCTAssertEqual(host.httpRequests.map(\.url.absoluteString), ["https://hooks.example/in"])
        XCTAssertEqual(host.httpRequests.first?.body, Data("event".utf8))
        XCTAssertEqual(host.httpRequests.first?.timeout, PluginHTTPRequest.defaultTimeout)
    }

    /// `Relay` in a harness whose sockets all reach one scripted clamd answering `stream: OK`.
    private func relayWithClamd() async throws -> (MockHost, MockSocket, HookHarness) {
        let host = MockHost()
        host.onUnexpectedCall = { XCTFail($0) }
        let clamd = MockSocket(reply: Data("stream: OK\0".utf8))
        host.allowSockets { _ in clamd }
        return (host, clamd, try await HookHarness(Relay.self, configuration: NoConfiguration(), host: host))
    }

    func testMockSocketRecordsWhatThePluginWroteAndAnswersItsReply() async throws {
        let (host, clamd, harness) = try await relayWithClamd()
        let answer = await harness.call("POST", "/plugins/relay/scan", as: .agent, chunks: [Data("ab".utf8), Data("cd".utf8)])
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(String(decoding: answer.body, as: UTF8.self), "stream: OK\0")
        XCTAssertEqual(String(decoding: clamd.written, as: UTF8.self), "zINSTREAM\0abcd", "the chunks arrived in order")
        XCTAssertTrue(clamd.isClosed)
        XCTAssertEqual(host.socketConnections, [.unix(path: "/run/clamd.ctl")])
    }

    func testUnscriptedNetworkCallsAreReportedAsUnexpected() async throws {
        let host = MockHost()
        let calls = host.recordUnexpectedCalls()
        let harness = try await HookHarness(Relay.self, configuration: NoConfiguration(), host: host)
        let answer = await harness.call("POST", "/plugins/relay/notify", as: .agent)
        XCTAssertEqual(answer.status, 500)
        XCTAssertEqual(calls.calls, ["http.send(POST https://hooks.example/in) without allowHTTP()"])
    }

    func testUndeclaredServicesThrowCapabilityNotDeclared() async throws {
        let host = MockHost()
        host.onUnexpectedCall = { XCTFail($0) }
        host.allowHTTP(responding: PluginHTTPResponse())
        host.allowSockets { _ in MockSocket() }
        let harness = try await HookHarness(Undeclared.self, configuration: NoConfiguration(), host: host)
        _ = await harness.call("POST", "/plugins/relay/notify", as: .agent)
        _ = await harness.call("POST", "/plugins/relay/scan", as: .agent, body: Data("x".utf8))
        let errors = host.logs.map(\.message)
        XCTAssertEqual(errors.count, 2)
        XCTAssertTrue(errors[0].hasSuffix(CapabilityNotDeclared(.outboundHTTP).description), errors[0])
        XCTAssertTrue(errors[1].hasSuffix(CapabilityNotDeclared(.sockets).description), errors[1])
        XCTAssertTrue(host.httpRequests.isEmpty && host.socketConnections.isEmpty, "the host's services were never reached")
    }

    func testAStreamedRouteAnswers413FromContentLengthOrWhenTheChunksPassTheCap() async throws {
        let (host, clamd, harness) = try await relayWithClamd()
        let declared = await harness.call("POST", "/plugins/relay/scan", as: .agent, headers: ["content-length": "5000000000"])
        XCTAssertEqual(declared.status, 413)
        XCTAssertEqual(String(decoding: declared.body, as: UTF8.self), #"{"error":"Request body too large (limit 100 bytes)","success":false}"#)
        XCTAssertTrue(host.socketConnections.isEmpty, "the handler never ran")

        let chunks = Array(repeating: Data(repeating: 0x61, count: 40), count: 3)
        let streamed = await harness.call("POST", "/plugins/relay/scan", as: .agent, chunks: chunks)
        XCTAssertEqual(streamed.status, 413)
        XCTAssertEqual(clamd.written.count, "zINSTREAM\0".utf8.count + 80, "the chunk that passed the cap never reached the handler")
    }

    func testABufferedBodyIsAlsoItsStreamOfOneChunk() async throws {
        let request = PluginRequest(method: "POST", path: "/x", body: Data("abc".utf8), site: SiteInfo(id: "default", tier: "free"))
        var chunks: [Data] = []
        for try await chunk in request.bodyStream { chunks.append(chunk) }
        XCTAssertEqual(chunks, [Data("abc".utf8)])
        let collected = try await PluginBodyStream(Data("abcdef".utf8)).collect(upTo: 6)
        XCTAssertEqual(collected, Data("abcdef".utf8))
        do {
            _ = try await PluginBodyStream(Data("abcdef".utf8)).collect(upTo: 5)
            XCTFail("collected past the limit")
        } catch let error as PluginBodyTooLarge {
            XCTAssertEqual(error.limit, 5)
        }
    }
}
