import Foundation
import PostgresNIO

/// A `postgres://` (or `postgresql://`) URL, parsed into a client configuration.
///
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE?sslmode=…` — the form libpq and most hosts
/// print. Query parameters:
/// - `sslmode`: `disable` (the default), `prefer`, `require` (encrypted, certificate not
///   checked, as libpq does), `verify-ca` (certificate checked, host name not) or `verify-full`;
/// - `sslrootcert`: a PEM file of trusted roots for `verify-ca` and `verify-full` (default: the
///   system's roots);
/// - `host`: a directory holding the server's Unix socket (`.s.PGSQL.<port>`), instead of TCP;
/// - `pool_size`: most connections the pool opens (default 20);
/// - `connect_timeout`: seconds to wait for a connection (default 10).
public struct PostgresURL: Sendable, CustomStringConvertible {
    /// The client configuration the URL describes.
    public let configuration: PostgresClient.Configuration
    /// The database name.
    public let database: String
    /// The URL with its password masked, for logs.
    public let description: String

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// `setting` for logs: a PostgreSQL URL with its password masked, anything else as it is.
    public static func masked(_ setting: String) -> String {
        guard isPostgres(setting) else { return setting }
        return (try? PostgresURL(setting))?.description ?? "postgres://…"
    }

    /// Parses `text`; throws ``PostgresURLError`` naming what is wrong.
    public init(_ text: String) throws {
        guard Self.isPostgres(text), let url = URLComponents(string: text) else {
            throw PostgresURLError("not a postgres:// URL")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw PostgresURLError("the URL names no database (postgres://user@host/DATABASE)") }
        guard let user = url.user, !user.isEmpty else { throw PostgresURLError("the URL names no user (postgres://USER@host/database)") }
        var parameters: [String: String] = [:]
        for item in url.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        let unknown = Set(parameters.keys).subtracting(["sslmode", "sslrootcert", "host", "pool_size", "connect_timeout"])
        guard unknown.isEmpty else { throw PostgresURLError("unknown URL parameter \(unknown.sorted().joined(separator: ", "))") }
        let port = url.port ?? 5432
        var configuration: PostgresClient.Configuration
        if let socketFolder = parameters["host"], socketFolder.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: url.password, database: database)
        } else {
            guard let host = url.host, !host.isEmpty else { throw PostgresURLError("the URL names no host") }
            let tls = try Self.tls(mode: parameters["sslmode"] ?? "disable", rootCertificates: parameters["sslrootcert"])
            configuration = .init(host: host, port: port, username: user, password: url.password, database: database, tls: tls)
        }
        if let size = parameters["pool_size"] {
            guard let count = Int(size), count > 0 else { throw PostgresURLError("pool_size must be a positive whole number") }
            configuration.options.maximumConnections = count
        }
        if let timeout = parameters["connect_timeout"] {
            guard let seconds = Int(timeout), seconds > 0 else { throw PostgresURLError("connect_timeout must be a positive number of seconds") }
            configuration.options.connectTimeout = .seconds(seconds)
        }
        var masked = url
        if masked.password != nil { masked.password = "***" }
        self.configuration = configuration
        self.database = database
        self.description = masked.string ?? "postgres://…"
    }

    /// The TLS setting of an `sslmode`.
    static func tls(mode: String, rootCertificates: String?) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let rootCertificates { tls.trustRoots = .file(rootCertificates) }
        switch mode {
        case "disable":
            return .disable
        case "allow", "prefer":
            tls.certificateVerification = .none
            return .prefer(tls)
        case "require":
            tls.certificateVerification = .none
            return .require(tls)
        case "verify-ca":
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case "verify-full":
            tls.certificateVerification = .fullVerification
            return .require(tls)
        default:
            throw PostgresURLError("sslmode must be disable, prefer, require, verify-ca or verify-full (got \(mode))")
        }
    }
}

/// A `postgres://` URL that cannot be used, with the reason.
public struct PostgresURLError: Error, CustomStringConvertible {
    /// What is wrong with the URL.
    public let description: String

    init(_ reason: String) {
        description = "database URL: \(reason)"
    }
}
