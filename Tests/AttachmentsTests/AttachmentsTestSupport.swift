@testable import Attachments
import PluginAPI
import PluginTesting
import XCTest

/// A harness around the plugin with its files in a fresh temp directory and the mock host's
/// clock starting now (the file system driver dates blobs by the real clock).
final class AttachmentsFixture: @unchecked Sendable {   // immutable after init
    let directory: URL
    let host = MockHost(now: Date())
    let harness: HookHarness

    init(_ configure: (inout Attachments.Configuration) -> Void = { _ in }, sockets: (@Sendable (PluginSocketAddress) throws -> MockSocket)? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("attachments-\(UUID().uuidString)")
        var configuration = Attachments.Configuration()
        configuration.directory = directory.path
        configure(&configuration)
        host.allowStorage()
        if let sockets { host.allowSockets(sockets) }
        host.onUnexpectedCall = { XCTFail("unexpected host call: \($0)") }
        harness = try await HookHarness(Attachments.self, configuration: configuration, host: host, site: SiteInfo(id: "acme", tier: "premium"))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// `POST /upload` of `data` as `name` (declared `type`, with its length unless `declareLength` is false).
    func upload(_ data: Data, name: String, type: String, session: String = "session_alice", as caller: PluginCaller = .visitor,
                declareLength: Bool = true, site: SiteInfo? = nil) async -> PluginResponse {
        var headers = ["content-type": type]
        if declareLength { headers["content-length"] = String(data.count) }
        let chunks = stride(from: 0, to: data.count, by: 1000).map { data.subdata(in: $0..<min($0 + 1000, data.count)) }
        return await harness.call("POST", "/plugins/attachments/upload", as: caller, site: site,
                                  query: ["session_id": session, "name": name, "widget_key": "pk_acme"], headers: headers, chunks: chunks)
    }

    /// The `data.attachment` and links of a `201` answer.
    func uploaded(_ data: Data, name: String, type: String, session: String = "session_alice",
                  as caller: PluginCaller = .visitor) async throws -> (id: String, url: String, agentURL: String) {
        let answer = await upload(data, name: name, type: type, session: session, as: caller)
        XCTAssertEqual(answer.status, 201, String(decoding: answer.body, as: UTF8.self))
        let json = try Self.object(answer)["data"] as? [String: Any]
        let attachment = try XCTUnwrap(json?["attachment"] as? [String: Any])
        return (try XCTUnwrap(attachment["id"] as? String), try XCTUnwrap(json?["url"] as? String), try XCTUnwrap(json?["agent_url"] as? String))
    }

    /// `GET` of a link the plugin handed out (`/plugins/attachments/file?…`).
    func fetch(_ url: String, as caller: PluginCaller = .visitor, headers: [String: String] = [:], site: SiteInfo? = nil) async -> PluginResponse {
        let components = URLComponents(string: url)!
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        return await harness.call("GET", components.path, as: caller, site: site, query: query, headers: headers)
    }

    static func object(_ response: PluginResponse) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
    }

    static func errorCode(_ response: PluginResponse) -> String? {
        (try? object(response))?["error_code"] as? String
    }

    /// The blobs stored under the fixture's directory.
    func blobCount() throws -> Int {
        try FileSystemBlobStore(root: directory).digestsNow().count
    }
}

extension FileSystemBlobStore {
    /// ``digests()`` without `await`, for assertions.
    func digestsNow() throws -> [String] {
        let blobs = root.appendingPathComponent("blobs")
        return ((try? FileManager.default.contentsOfDirectory(atPath: blobs.path)) ?? []).flatMap {
            (try? FileManager.default.contentsOfDirectory(atPath: blobs.appendingPathComponent($0).path)) ?? []
        }
    }
}

/// `XCTAssertEqual` for values computed with `await` (XCTest's autoclosures cannot await).
func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual, expected, message, file: file, line: line)
}

/// `XCTAssertNil` for values computed with `await`.
func expectNil<T>(_ value: T?, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNil(value, message, file: file, line: line)
}

/// A fresh directory under the system's temp directory, removed when the test case is released.
final class TemporaryDirectory {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("attachments-test-\(UUID().uuidString)")

    init() { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

    deinit { try? FileManager.default.removeItem(at: url) }
}
