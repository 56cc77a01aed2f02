import Foundation
import Logging
import SanctumServices

/// The storage driver a server or command opens: SQLite for a file path, PostgreSQL for a
/// `postgres://` URL.
public struct OpenedStore: Sendable {
    /// The driver.
    public let store: any ChatStore
    /// Where the data is (a path, or the URL with its password masked), for logs.
    public let location: String
    /// The schema version the driver writes.
    public let schemaVersion: Int64
    /// Closes the driver after its last commit (SQLite) or closes its pool (PostgreSQL).
    public let close: @Sendable () -> Void
    /// Writes waiting for the driver's writer (SQLite's single writer; 0 for PostgreSQL).
    public var writeQueueDepth: @Sendable () -> Int = { 0 }
}

extension SanctumServer {
    /// The database setting: `--database`, else `SANCTUM_DATABASE_URL`, else the config file's
    /// `server.database`, else ``defaultDatabase``.
    public static func databaseSetting(option: String?, config: SanctumConfig, environment: [String: String]) -> String {
        if let option, !option.isEmpty { return option }
        if let url = environment["SANCTUM_DATABASE_URL"], !url.isEmpty { return url }
        return config.server?.database ?? defaultDatabase
    }

    /// Opens the driver `setting` names (a `postgres://` URL or a SQLite path, see
    /// ``databaseSetting(option:config:environment:)``), migrating its schema first.
    /// `observeBatches` is told the size of each SQLite group commit (metrics).
    public static func openDriver(_ setting: String, logger: Logger = Logger(label: "sanctum"),
                                  eventSink: @escaping @Sendable ([ChatEvent]) -> Void = { _ in },
                                  observeBatches: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> OpenedStore {
        if PostgresURL.isPostgres(setting) {
            let url = try PostgresURL(setting)
            let store = try await PostgresChatStore(url: url, logger: logger, eventSink: eventSink)
            return OpenedStore(store: store, location: url.description, schemaVersion: PostgresChatStore.schemaVersion, close: { store.close() })
        }
        let path = setting.hasPrefix("sqlite:") ? String(setting.dropFirst("sqlite:".count)) : setting
        let store = try await openStore(path: path, eventSink: eventSink)
        store.database.observeBatches(observeBatches)
        return OpenedStore(store: store, location: path, schemaVersion: Schema.currentVersion, close: { store.database.close() },
                           writeQueueDepth: { store.database.writeQueueDepth })
    }
}
