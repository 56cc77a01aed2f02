import Foundation
import PostgresNIO
import SanctumServices

/// `system_config` rows and the sites' hashed agent keys.
extension PostgresChatStore {
    public func configuration() async throws -> [(key: String, value: JSON)] {
        try await database.read { c in
            try await c.rows("SELECT config_key, config_value FROM system_config ORDER BY id").map { row in
                let (key, value) = try row.decode((String, String?).self)
                return (key, value.map(JSON.string) ?? .null)
            }
        }
    }

    /// Values are stored as text, as the SQLite driver's legacy column does (numbers come back as text).
    public func setConfiguration(_ values: [(key: String, value: JSON)], now: Date) async throws {
        let stamp = Timestamps.database(now)
        try await database.write { c in
            for (key, value) in values {
                try await c.rows("""
                    INSERT INTO system_config (config_key, config_value, created_at, updated_at) VALUES (\(key), \(value.storedText), \(stamp), \(stamp))
                    ON CONFLICT (config_key) DO UPDATE SET config_value = excluded.config_value, updated_at = excluded.updated_at
                    """)
            }
        }
    }

    public func siteKeys() async throws -> [String: String] {
        try await database.read { c in
            let rows = try await c.rows("SELECT id, agent_key_hash FROM sanctum_sites").map { try $0.decode((String, String).self) }
            return Dictionary(rows, uniquingKeysWith: { first, _ in first })
        }
    }

    public func setSiteKey(siteID: String, hash: String, now: Date) async throws {
        let stamp = Timestamps.database(now)
        try await database.write { c in
            try await c.rows("""
                INSERT INTO sanctum_sites (id, agent_key_hash, created_at, updated_at) VALUES (\(siteID), \(hash), \(stamp), \(stamp))
                ON CONFLICT (id) DO UPDATE SET agent_key_hash = excluded.agent_key_hash, updated_at = excluded.updated_at
                """)
        }
    }
}
