import Foundation
import HTTPTypes
import NIOCore
import PluginAPI
import Synchronization
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// Streamed plugin route bodies over the real server: refused from `Content-Length` without being
/// read, cut off with 413 when a chunked body passes the cap, handed over intact otherwise.
final class StreamedRouteTests: XCTestCase {
    /// Counts, hashes and answers what its upload route received.
    struct UploadProbe: Plugin {
        static let descriptor = PluginDescriptor(id: "upload-probe", version: "1", minimumAPIVersion: PluginAPIVersion(2, 2),
                                                 capabilities: [.routes], summary: "test: streamed uploads")
        static let cap = 64 * 1024
        static let calls = Mutex(0)
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions {
            let receive: @Sendable (PluginRequest) async throws -> PluginResponse = { request in
                Self.calls.withLock { $0 += 1 }
                var bytes = 0
                var chunks = 0
                var largestChunk = 0
                var hash = FNV1a()
                for try await chunk in request.bodyStream {
                    bytes += chunk.count
                    chunks += 1
                    largestChunk = max(largestChunk, chunk.count)
                    hash.add(chunk)
                }
                return try .json(["bytes": bytes, "chunks": chunks, "largest_chunk": largestChunk, "fnv": Int(truncatingIfNeeded: hash.value),
                                  "buffered": request.body.count])
            }
            return PluginContributions(routes: [
                PluginRoute("POST", "/upload", access: .public, body: .streamed(maxBytes: Self.cap), handle: receive),
                PluginRoute("POST", "/large", access: .public, body: .streamed(maxBytes: 8 << 20), handle: receive),
                PluginRoute("POST", "/ignore", access: .public, body: .streamed(maxBytes: 8 << 20)) { _ in PluginResponse(status: 202) },
            ])
        }
    }

    static let config = try! SanctumConfig.parse(yaml: "tiers: { free: { plugins: [upload-probe] } }")
    static let registry = PluginRegistry.shipped.adding([UploadProbe.self])

    func testAStreamedUploadReachesTheHandlerIntact() async throws {
        let upload = Data((0..<48_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try await withServer(config: Self.config, registry: Self.registry) { client, _ in
            let answer = try await client.raw.execute(uri: "/plugins/upload-probe/upload", method: .post, headers: [.contentType: "application/octet-stream"],
                                                      body: ByteBuffer(data: upload)) { response in
                Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
            }
            XCTAssertEqual(answer.status, .ok, answer.text)
            var expected = FNV1a()
            expected.add(upload)
            XCTAssertEqual(answer.json["bytes"]?.int, 48_000)
            XCTAssertEqual(answer.json["fnv"]?.int, Int64(Int(truncatingIfNeeded: expected.value)))
            XCTAssertEqual(answer.json["buffered"]?.int, 0, "a streamed route's buffered body stays empty")
        }
    }

    func testAnUploadOverTheBufferedLimitStreamsInChunksNotAsOneBuffer() async throws {
        let upload = Data(repeating: 0x5a, count: 3 << 20)   // three times limits.max_body_bytes
        try await withServer(config: Self.config, registry: Self.registry) { client, _ in
            let answer = try await client.raw.execute(uri: "/plugins/upload-probe/large", method: .post, headers: [:], body: ByteBuffer(data: upload)) { response in
                Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
            }
            XCTAssertEqual(answer.status, .ok, answer.text)
            XCTAssertEqual(answer.json["bytes"]?.int, 3 << 20)
            XCTAssertGreaterThan(answer.json["chunks"]?.int ?? 0, 1, "the body arrives in pieces")
            XCTAssertLessThan(answer.json["largest_chunk"]?.int ?? .max, 1 << 20, "no piece is the whole body")
        }
    }

    func testAHandlerThatLeavesItsBodyUnreadAnswersAndClosesTheConnection() async throws {
        try await withServer(config: Self.config, registry: Self.registry) { client, _ in
            let port = try XCTUnwrap(client.raw.port)
            // 8 MB declared, 5 bytes sent: the answer comes at once and the connection closes.
            let reply = try await RawConnection.exchange(port: port, """
                POST /plugins/upload-probe/ignore HTTP/1.1\r
                Host: 127.0.0.1\r
                Content-Length: 8000000\r
                \r
                hello
                """)
            XCTAssertTrue(reply.hasPrefix("HTTP/1.1 202"), reply)
            XCTAssertEqual(reply.components(separatedBy: "HTTP/1.1 ").count, 2, "one answer, then the connection closes: \(reply)")
            XCTAssertTrue(reply.lowercased().contains("connection: close"), reply)
        }
    }

    func testADeclaredLengthOverTheCapIs413BeforeTheBodyIsSentOrTheHandlerRuns() async throws {
        try await withServer(config: Self.config, registry: Self.registry) { client, _ in
            let port = try XCTUnwrap(client.raw.port)
            let before = UploadProbe.calls.withLock { $0 }
            // 5 GB declared, not a byte sent: the answer must come anyway.
            let reply = try await RawConnection.exchange(port: port, """
                POST /plugins/upload-probe/upload HTTP/1.1\r
                Host: 127.0.0.1\r
                Content-Type: application/octet-stream\r
                Content-Length: 5000000000\r
                \r

                """)
            XCTAssertTrue(reply.hasPrefix("HTTP/1.1 413"), reply)
            XCTAssertEqual(reply.components(separatedBy: "HTTP/1.1 ").count, 2, "one answer, then the connection closes: \(reply)")
            XCTAssertTrue(reply.contains(#""error":"Request body too large (limit 65536 bytes)""#), reply)
            XCTAssertTrue(reply.lowercased().contains("connection: close"), reply)
            XCTAssertEqual(UploadProbe.calls.withLock { $0 }, before, "the handler never ran")
        }
    }

    func testAChunkedBodyPassingTheCapIsCutOffWith413() async throws {
        try await withServer(config: Self.config, registry: Self.registry) { client, _ in
            let port = try XCTUnwrap(client.raw.port)
            let chunk = String(repeating: "x", count: 10_000)
            // Seven 10 kB chunks pass the 64 KiB cap; the final chunk is never sent.
            let chunks = String(repeating: "2710\r\n\(chunk)\r\n", count: 7)
            let reply = try await RawConnection.exchange(port: port, """
                POST /plugins/upload-probe/upload HTTP/1.1\r
                Host: 127.0.0.1\r
                Transfer-Encoding: chunked\r
                \r
                \(chunks)
                """)
            XCTAssertTrue(reply.hasPrefix("HTTP/1.1 413"), reply)
            XCTAssertEqual(reply.components(separatedBy: "HTTP/1.1 ").count, 2, "one answer, then the connection closes: \(reply)")
            XCTAssertTrue(reply.contains(#""success":false"#), reply)
            XCTAssertTrue(reply.contains("Request body too large (limit 65536 bytes)"), reply)
        }
    }
}

/// FNV-1a, 64 bits: a checksum of what crossed the wire.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ data: Data) {
        for byte in data {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
    }
}
