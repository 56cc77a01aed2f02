import Foundation
import Logging
import PostgresNIO
import XCTest
@testable import SanctumHost

/// Empty databases on the throwaway cluster `scripts/postgres-test-cluster` starts (its URL in
/// `SANCTUM_TEST_POSTGRES_URL`; `scripts/test` always provides one), and the stores opened on
/// them, shut down at the end of a test.
final class PostgresTestCluster: @unchecked Sendable {
    private let serverURL: URLComponents
    private let lock = NSLock()
    private var opened: [PostgresChatStore] = []

    /// The cluster of this run. Skips the test without one — except under CI, where
    /// `scripts/test` must have started one, so a missing URL fails.
    init() throws {
        guard let text = ProcessInfo.processInfo.environment["SANCTUM_TEST_POSTGRES_URL"], !text.isEmpty else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("SANCTUM_TEST_POSTGRES_URL is not set: scripts/test runs the Swift tests under scripts/postgres-test-cluster")
            }
            throw XCTSkip("SANCTUM_TEST_POSTGRES_URL is not set: run under scripts/postgres-test-cluster to test the PostgreSQL driver")
        }
        guard let url = URLComponents(string: text) else { throw PostgresURLError("SANCTUM_TEST_POSTGRES_URL is not a URL") }
        serverURL = url
    }

    /// Creates an empty database (`test_<random>`) and returns its URL.
    func createDatabase() async throws -> PostgresURL {
        try PostgresURL(try await createDatabaseURL())
    }

    /// The URL text of `url`'s database on this cluster (what `--database` takes).
    func urlText(_ url: PostgresURL) -> String {
        var components = serverURL
        components.path = "/" + url.database
        return components.string!
    }

    /// Creates an empty database and returns its URL text.
    private func createDatabaseURL() async throws -> String {
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresURL(serverURL.string!)
        let client = PostgresClient(configuration: admin.configuration, backgroundLogger: Logger(label: "test.postgres"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            // An identifier cannot be bound; `name` is ours (hex digits).
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            group.cancelAll()
        }
        var url = serverURL
        url.path = "/" + name
        url.queryItems = [URLQueryItem(name: "pool_size", value: "8")]
        return url.string!
    }

    /// Opens a driver on `url`, remembered for ``shutdownAll()``.
    func open(_ url: PostgresURL, eventSink: @escaping @Sendable ([ChatEvent]) -> Void = { _ in }) async throws -> PostgresChatStore {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .warning  // failed connection attempts (the TLS test makes some) log at info
        let store = try await PostgresChatStore(url: url, logger: logger, eventSink: eventSink)
        lock.withLock { opened.append(store) }
        return store
    }

    /// Shuts down every store opened so far.
    func shutdownAll() async {
        let stores = lock.withLock { () -> [PostgresChatStore] in defer { opened.removeAll() }; return opened }
        for store in stores { await store.shutdown() }
    }
}
