import ArgumentParser
import Foundation
import SanctumHost
import SanctumServices

/// The `sanctum` command line: a thin layer over SanctumHost, serving the plugins of
/// `PluginRegistry.compiledIn`.
@main
struct Sanctum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sanctum Chat: a self-hosted chat server compatible with the Web Chat Bridge API.",
        subcommands: [Serve.self, Keys.self, Migrate.self, PluginCommand.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by commands that open the database.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "YAML configuration file.") var config: String?
    @Option(help: "SQLite database file, or a postgres://user@host/database URL (default: $SANCTUM_DATABASE_URL, the config file, \(SanctumServer.defaultDatabase)).")
    var database: String?

    func loadConfig() throws -> SanctumConfig { try config.map(SanctumConfig.load(path:)) ?? SanctumConfig() }

    /// Opens the database these options name, migrating it.
    func open() async throws -> OpenedStore {
        try await SanctumServer.openDriver(SanctumServer.databaseSetting(option: database, config: try loadConfig(),
                                                                         environment: ProcessInfo.processInfo.environment))
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 8080).") var port: Int?
    @Flag(help: "Start even if the database still holds the original's published default keys (unsafe).")
    var allowPublishedKeys = false

    func run() async throws {
        do {
            try await SanctumServer.serve(ServeOptions(configPath: db.config, host: host, port: port, database: db.database,
                                                       allowPublishedKeys: allowPublishedKeys),
                                          plugins: .compiledIn)
        } catch let error as KeySetupError {
            FileHandle.standardError.write(Data("sanctum: \(error.description)\n".utf8))
            throw ExitCode(78)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("sanctum: config: \(error.description)\n".utf8))
            throw ExitCode(78)
        } catch let error as PostgresURLError {
            FileHandle.standardError.write(Data("sanctum: \(error.description)\n".utf8))
            throw ExitCode(78)
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage the bridge keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate new API and admin keys, print them once, store them hashed.")
        @OptionGroup var db: DatabaseOptions
        @Flag(help: "Rotate only the agent API key.") var apiOnly = false
        @Flag(help: "Rotate only the admin key.") var adminOnly = false
        @Option(help: "Keep the old keys valid this long (e.g. 24h, 30m, 2d): prints the config lines that do it.") var overlap: String?

        func run() async throws {
            let opened = try await db.open()
            let kinds = KeyKind.allCases.filter { !($0 == .api && adminOnly) && !($0 == .admin && apiOnly) }
            let seconds = try overlap.map { text -> TimeInterval in
                guard let value = KeyOverlap.seconds(text) else { throw ValidationError("--overlap: expected a duration such as 24h, 30m or 2d") }
                return value
            }
            let old = Dictionary(try await opened.store.configuration().compactMap { row in
                KeyKind(rawValue: row.key).flatMap { kind in row.value.storedText.map { (kind, $0) } }
            }, uniquingKeysWith: { first, _ in first })
            let now = Date()
            let keys = try await KeyStore.rotate(kinds, in: opened.store, now: now)
            for kind in kinds { print("SANCTUM_\(kind == .api ? "API" : "ADMIN")_KEY=\(keys[kind]!)") }
            if let seconds {
                let until = ISO8601DateFormatter().string(from: now.addingTimeInterval(seconds))
                print("# keep the old keys valid until \(until): add to the config file's `keys:` and restart")
                for kind in kinds {
                    guard let hash = old[kind], Secrets.isHashed(hash) else { continue }
                    print("previous_\(kind.rawValue)s: [{ hash: \"\(hash)\", until: \"\(until)\" }]")
                }
            }
            opened.close()
            FileHandle.standardError.write(Data("sanctum: keys rotated; they are shown once and stored hashed. A running server picks them up on restart.\n".utf8))
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Migrate a database (for example an existing bridge database) in place, or copy a SQLite database into PostgreSQL.",
        discussion: """
            sanctum migrate [--database FILE|URL]: brings the database's schema up to date.
            sanctum migrate --from FILE --to postgres://…: copies the SQLite database (which a running server may be using) \
            into an empty PostgreSQL database and verifies the copy table by table; exits 1 if any table differs.
            """)
    @OptionGroup var db: DatabaseOptions
    @Option(help: "SQLite database to copy from (with --to).") var from: String?
    @Option(help: "postgres:// URL of the database to copy into (with --from).") var to: String?
    @Flag(help: "With --from/--to: replace whatever the target database holds.") var force = false

    func validate() throws {
        guard (from == nil) == (to == nil) else { throw ValidationError("--from and --to go together") }
        if let to, !PostgresURL.isPostgres(to) { throw ValidationError("--to takes a postgres:// URL") }
        if from != nil, db.database != nil { throw ValidationError("--database does not go with --from/--to") }
    }

    func run() async throws {
        if let from, let to {
            try await copy(from: from, to: to)
            return
        }
        let opened = try await db.open()
        opened.close()
        print("sanctum: \(opened.location) is at schema version \(opened.schemaVersion)")
    }

    private func copy(from: String, to: String) async throws {
        let report: DatabaseCopy.Report
        do {
            report = try await DatabaseCopy.run(from: from, to: try PostgresURL(to), force: force)
        } catch let error where error is DatabaseCopyError || error is PostgresURLError {
            FileHandle.standardError.write(Data("sanctum: \(error)\n".utf8))
            throw ExitCode(78)  // refused: the target holds data, no such file, a bad URL
        }
        print(report.rendered)
        guard report.verified else {
            FileHandle.standardError.write(Data("sanctum: the copy does not match its source (MISMATCH above)\n".utf8))
            throw ExitCode(1)
        }
        print("sanctum: copied \(from) (schema version \(report.sourceSchemaVersion)) into \(try PostgresURL(to)) and verified every table")
    }
}

/// Durations of `sanctum keys rotate --overlap`: a number followed by `s`, `m`, `h` or `d`.
enum KeyOverlap {
    /// The seconds in `text` (`90s`, `30m`, `24h`, `2d`), `nil` when it is not such a duration.
    static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let value = Double(text.dropLast()), value > 0, value.isFinite else { return nil }
        return value * unit
    }
}
