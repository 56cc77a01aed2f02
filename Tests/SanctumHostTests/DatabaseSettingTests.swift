import Foundation
import XCTest
@testable import SanctumHost

/// Which database a server opens, and how a `postgres://` URL is read (no server needed).
final class DatabaseSettingTests: XCTestCase {
    func testPrecedence() {
        var config = SanctumConfig()
        config.server = .init(database: "sqlite:from-config.db")
        let environment = ["SANCTUM_DATABASE_URL": "postgres://u@db/env"]
        XCTAssertEqual(SanctumServer.databaseSetting(option: "flag.db", config: config, environment: environment), "flag.db")
        XCTAssertEqual(SanctumServer.databaseSetting(option: nil, config: config, environment: environment), "postgres://u@db/env")
        XCTAssertEqual(SanctumServer.databaseSetting(option: nil, config: config, environment: [:]), "sqlite:from-config.db")
        XCTAssertEqual(SanctumServer.databaseSetting(option: nil, config: SanctumConfig(), environment: [:]), SanctumServer.defaultDatabase)
    }

    func testURLs() throws {
        let tcp = try PostgresURL("postgres://sanctum:s%40cret@db.example:6543/chat?sslmode=verify-full&pool_size=5")
        XCTAssertEqual(tcp.database, "chat")
        XCTAssertEqual(tcp.configuration.host, "db.example")
        XCTAssertEqual(tcp.configuration.port, 6543)
        XCTAssertEqual(tcp.configuration.password, "s@cret")
        XCTAssertEqual(tcp.configuration.options.maximumConnections, 5)
        XCTAssertFalse(tcp.description.contains("cret"), "the password is masked: \(tcp.description)")
        let socket = try PostgresURL("postgresql://sanctum@/chat?host=/run/postgresql")
        XCTAssertEqual(socket.configuration.unixSocketPath, "/run/postgresql/.s.PGSQL.5432")
        for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            XCTAssertNoThrow(try PostgresURL("postgres://u@h/d?sslmode=\(mode)"), mode)
        }
        XCTAssertThrowsError(try PostgresURL("postgres://u@h/d?sslmode=sometimes"))
        XCTAssertThrowsError(try PostgresURL("postgres://u@h/d?colour=blue"), "unknown parameters are refused")
        XCTAssertThrowsError(try PostgresURL("postgres://u@h/"), "a database is required")
        XCTAssertFalse(PostgresURL.isPostgres("data/sanctum.db"))
    }
}
