import DomainAllowlist
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Notifications
import WordFilter
import XCTest
@testable import SanctumHost
@testable import SanctumServices

extension PluginRegistry {
    /// What the `sanctum` binary compiles in (`Sources/sanctum/CompiledPlugins.swift`): the host
    /// itself depends on no plugin, so its tests compose their servers the same way.
    static let shipped = PluginRegistry([DomainAllowlist.self, Notifications.self, WordFilter.self])
}

/// Keys every test server starts with.
enum TestKeys {
    static let api = "test_api_key_0123456789"
    static let admin = "test_admin_key_0123456789"
}

/// A fresh temporary database path.
func temporaryDatabase() -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sanctum-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("sanctum.db").path
}

/// Runs `body` against a real Sanctum server on loopback (HummingbirdTesting `.live`); `logger`
/// replaces the quiet default (warnings and above) when a test reads the log.
func withServer<T: Sendable>(
    database: String = temporaryDatabase(),
    config: SanctumConfig = SanctumConfig(),
    environment: [String: String] = ["SANCTUM_API_KEY": TestKeys.api, "SANCTUM_ADMIN_KEY": TestKeys.admin],
    options: ServeOptions = ServeOptions(),
    registry: PluginRegistry = .shipped,
    clock: @escaping @Sendable () -> Date = { Date() },
    logger: Logger? = nil,
    _ body: @Sendable (Client, HostEnvironment) async throws -> T
) async throws -> T {
    let logger = logger ?? {
        var logger = Logger(label: "sanctum-test")
        logger.logLevel = .warning
        return logger
    }()
    var options = options
    options.database = database
    let (env, _, _) = try await SanctumServer.makeEnvironment(options: options, config: config, environment: environment, logger: logger, registry: registry,
                                                             clock: clock)
    let app = SanctumServer.makeApplication(env, host: "127.0.0.1", port: 0)
    defer { env.close() }
    return try await app.test(.live) { client in try await body(Client(raw: client), env) }
}

/// A parsed answer: status, headers and the JSON body (if it was JSON).
struct Answer: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    var json: JSON { JSON.parse(Array(text.utf8)) ?? .null }
    var data: JSON { json["data"] ?? .null }
    var error: String? { json["error"]?.stringValue }
    var contentType: String { headers[.contentType] ?? "" }
}

/// A thin client over the HummingbirdTesting client with bridge conveniences.
struct Client: Sendable {
    let raw: any TestClientProtocol

    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: String? = nil) async throws -> Answer {
        try await raw.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    func get(_ uri: String, key: String? = nil, headers: HTTPFields = [:]) async throws -> Answer {
        var headers = headers
        if let key { headers[.authorization] = "Bearer " + key }
        return try await send(.get, uri, headers: headers)
    }

    @discardableResult
    func post(_ uri: String, json: String, key: String? = nil, headers: HTTPFields = [:]) async throws -> Answer {
        var headers = headers
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        if let key { headers[.authorization] = "Bearer " + key }
        return try await send(.post, uri, headers: headers, body: json)
    }

    /// POSTs a visitor message and returns the answer.
    @discardableResult
    func message(_ session: String, _ text: String) async throws -> Answer {
        try await post("/api/v1/?action=messages", json: #"{"session_id":"\#(session)","message":"\#(text)"}"#)
    }

    /// The messages of one inbox poll with the API key.
    func inbox(_ query: String = "") async throws -> [JSON] {
        guard case .array(let messages)? = try await get("/api/v1/?action=inbox" + query, key: TestKeys.api).data["messages"] else { return [] }
        return messages
    }
}

extension JSON {
    /// Object keys, sorted.
    var keys: [String] { objectValue.keys.sorted() }
    /// Integer payload.
    var int: Int64? { if case .int(let i) = self { return i }; return nil }
    /// Array payload.
    var array: [JSON] { if case .array(let a) = self { return a }; return [] }
}

extension SanctumConfig {
    /// A configuration with rate limiting switched off (load-style tests).
    static var withoutRateLimits: SanctumConfig {
        var config = SanctumConfig()
        config.rateLimits = .init(enabled: false)
        return config
    }
}

/// Asserts `answer` is the JSON error envelope with `status`.
func assertJSONError(_ answer: Answer, _ status: HTTPResponse.Status, _ context: String,
                             file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(answer.status, status, context, file: file, line: line)
    XCTAssertTrue(answer.contentType.hasPrefix("application/json"), "\(context): \(answer.contentType)", file: file, line: line)
    XCTAssertEqual(answer.json["success"], false, context, file: file, line: line)
    XCTAssertNotNil(answer.error, context, file: file, line: line)
}

