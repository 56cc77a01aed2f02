import Foundation
import PluginAPI
import XCTest
@testable import SanctumHost

/// The plugins' socket client against a real Unix-socket server (a tiny clamd) started by each test.
final class SocketConnectorTests: XCTestCase {
    /// `data` sent the way clamd's INSTREAM wants it: the command, length-prefixed chunks, a zero-length chunk.
    static func scan(_ data: Data, over socket: any PluginSocket, chunkSize: Int = 4) async throws -> String {
        try await socket.write(Data("zINSTREAM\0".utf8))
        var offset = 0
        while offset < data.count {
            let chunk = data[offset..<min(offset + chunkSize, data.count)]
            var length = UInt32(chunk.count).bigEndian
            try await socket.write(Data(bytes: &length, count: 4) + chunk)
            offset += chunk.count
        }
        try await socket.write(Data(count: 4))
        return String(decoding: try await socket.readToEnd(maxBytes: 1024), as: UTF8.self)
    }

    func testAListedUnixSocketSpeaksInstreamBothWays() async throws {
        try await InstreamServer.run { path in
            let connector = SocketConnector(rules: OutboundRules(unixSockets: [path]))
            let clean = try await connector.withConnection(to: .unix(path: path)) { socket in
                try await Self.scan(Data("hello, world".utf8), over: socket)
            }
            XCTAssertEqual(clean, "stream: OK\0")
            let infected = try await connector.withConnection(to: .unix(path: path)) { socket in
                try await Self.scan(Data("X5O!P%@AP EICAR test".utf8), over: socket)
            }
            XCTAssertEqual(infected, "stream: Eicar-Test-Signature FOUND\0")
        }
    }

    func testReadUpToReturnsAtMostTheAskedBytesAndKeepsTheRest() async throws {
        try await InstreamServer.run { path in
            let connector = SocketConnector(rules: OutboundRules(unixSockets: [path]))
            let parts = try await connector.withConnection(to: .unix(path: path)) { socket in
                try await socket.write(Data("zINSTREAM\0".utf8) + Data(count: 4))
                let head = try await socket.read(upTo: 7)
                let rest = try await socket.readToEnd(maxBytes: 100)
                let end = try await socket.read(upTo: 10)
                return [head, rest, end].map { String(decoding: $0, as: UTF8.self) }
            }
            XCTAssertEqual(parts, ["stream:", " OK\0", ""])
        }
    }

    func testASocketPathTheOperatorDidNotListIsRefused() async throws {
        try await InstreamServer.run { path in
            do {
                _ = try await SocketConnector(rules: OutboundRules()).withConnection(to: .unix(path: path)) { _ in true }
                XCTFail("connected")
            } catch PluginSocketError.refusedAddress(let host, let address) {
                XCTAssertEqual(host, path)
                XCTAssertEqual(address, "")
            }
        }
    }

    func testAReadWithoutAnswerTimesOut() async throws {
        try await InstreamServer.run { path in
            let connector = SocketConnector(rules: OutboundRules(unixSockets: [path]))
            let started = ContinuousClock.now
            do {
                _ = try await connector.withConnection(to: .unix(path: path), timeouts: PluginSocketTimeouts(read: .milliseconds(300))) { socket in
                    try await socket.write(Data("zINSTREAM\0".utf8))   // no final chunk: the server waits
                    return try await socket.read(upTo: 100)
                }
                XCTFail("answered")
            } catch PluginSocketError.timeout(let limit) {
                XCTAssertEqual(limit, .milliseconds(300))
            }
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        }
    }

    func testTCPToLoopbackFollowsTheAddressRules() async throws {
        do {
            _ = try await SocketConnector(rules: OutboundRules()).withConnection(to: .tcp(host: "127.0.0.1", port: 3310)) { _ in true }
            XCTFail("connected")
        } catch PluginSocketError.refusedAddress(let host, let address) {
            XCTAssertEqual(host, "127.0.0.1")
            XCTAssertEqual(address, "127.0.0.1")
        }
    }
}
