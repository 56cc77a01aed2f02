import Foundation
import Logging
import PostgresNIO
import SanctumServices
import Synchronization

/// The PostgreSQL connection pool of one driver instance, and its transactions.
///
/// Every query binds its values (`\(value)` in a ``PostgresQuery`` becomes `$n`): nothing is
/// ever spliced into SQL text. Multi-step changes run in one transaction (``write(_:)``).
///
/// **Event order.** A write that produces events queues them (``EventLog/append(_:on:)``) and
/// commits; then `afterCommit` waits for the ``EventSequencer``, whose run takes the row lock of
/// `sanctum_event_counter` once for every event queued meanwhile, numbers them, moves them into
/// the log and sends `NOTIFY sanctum_events, '<newest id>'` (``EventListener``), all in one
/// transaction. Runs (of every instance) hold that lock until they commit, so event ids follow the
/// commits of the runs: a reader that follows the log by id never skips an event committed late.
/// No write ever waits on that lock, nor sends a `NOTIFY` (which serializes commits across the
/// write-ahead log flush); the relay of every instance reads the log after its cursor.
///
/// **Outages.** While ``health`` says the database is away (the listener lost its connection),
/// ``read(_:)`` and ``write(_:)`` throw ``DatabaseUnavailable`` without waiting on the pool; a
/// `BEGIN` that does not answer within ``beginLimit`` closes its connection and throws it too.
final class PostgresDatabase: Sendable {
    /// The pool.
    let client: PostgresClient
    /// Whether the database is reachable, as the LISTEN connection last found it.
    let health = DatabaseHealth()
    private let running: Task<Void, Never>

    /// Opens a pool on `url`'s server and starts it.
    init(url: PostgresURL, logger: Logger) {
        client = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
        let client = client
        running = Task { await client.run() }
    }

    /// Closes every connection; later queries fail.
    func close() {
        running.cancel()
    }

    /// Closes every connection and waits until they are closed.
    func shutdown() async {
        running.cancel()
        await running.value
    }

    /// Throws if no connection can be made within `deadline` (the pool itself would keep
    /// retrying for a minute; its log says why each attempt failed).
    func checkReachable(within deadline: Duration, url: PostgresURL) async throws {
        let client = client
        let reached = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await client.query("SELECT 1"); return true }
            group.addTask { try await Task.sleep(for: deadline); return false }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        guard reached else {
            throw PostgresURLError("cannot connect to \(url) within \(deadline) (wrong address, TLS or credentials? the log says why)")
        }
    }

    /// Runs `body` on a pooled connection outside any transaction.
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try health.check()
        return try await client.withConnection { connection in try await body(connection) }
    }

    /// Runs `body` in a transaction. The events it returns are queued in it (see the type's
    /// notes), and `afterCommit` is awaited once it committed; nothing is queued if anything throws.
    @discardableResult
    func write<T: Sendable>(afterCommit: @Sendable () async -> Void,
                            _ body: (PostgresConnection) async throws -> (T, [EventDraft])) async throws -> T {
        let (value, appended) = try await transaction { connection -> (T, Bool) in
            let (value, drafts) = try await body(connection)
            guard !drafts.isEmpty else { return (value, false) }
            try await EventLog.append(drafts, on: connection)
            return (value, true)
        }
        if appended { await afterCommit() }
        return value
    }

    /// Runs `body` in a transaction that appends no events.
    @discardableResult
    func write<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(body)
    }

    /// Runs `body` between `BEGIN` and `COMMIT` on a pooled connection; anything thrown rolls the
    /// transaction back and is rethrown as it is (a ``StoreRefusal`` stays one).
    private func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try health.check()
        return try await client.withConnection { connection in
            try await Self.begin(on: connection)
            do {
                let value = try await body(connection)
                try await connection.rows("COMMIT")
                return value
            } catch {
                _ = try? await connection.rows("ROLLBACK")
                throw error
            }
        }
    }

    /// How long `BEGIN` may take before its connection is taken for dead.
    static let beginLimit = Duration.seconds(5)
    /// `BEGIN` on `connection`; after ``beginLimit`` without an answer, the connection is closed
    /// and this throws ``DatabaseUnavailable`` (503) without waiting any longer. About one run in
    /// ten of the reconnect test saw a `BEGIN` right after a pg_terminate_backend outage that
    /// never answered, and that closing the connection did not fail either (postgres-nio).
    private static func begin(on connection: PostgresConnection) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let waiting = OnceContinuation(continuation)
            let timer = Task {
                guard (try? await Task.sleep(for: beginLimit)) != nil, waiting.resume(with: .failure(DatabaseUnavailable())) else { return }
                try? await connection.close()
            }
            Task {
                let result: Result<Void, any Error>
                do { try await connection.rows("BEGIN"); result = .success(()) } catch { result = .failure(error) }
                timer.cancel()
                waiting.resume(with: result)
            }
        }
    }
}

/// A continuation resumed by whichever of several racers comes first.
final class OnceContinuation: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, any Error>?>

    /// Holds `continuation` until the first ``resume(with:)``.
    init(_ continuation: CheckedContinuation<Void, any Error>) {
        self.continuation = Mutex(continuation)
    }

    /// Resumes with `result` if nobody did yet; `true` if this call did.
    @discardableResult
    func resume(with result: Result<Void, any Error>) -> Bool {
        guard let continuation = self.continuation.withLock({ stored in defer { stored = nil }; return stored }) else { return false }
        continuation.resume(with: result)
        return true
    }
}

extension PostgresConnection {
    /// The logger of the driver's statements.
    static let sanctumLogger = Logger(label: "sanctum.postgres")

    /// Runs one statement and returns its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await self.query(query, logger: Self.sanctumLogger).collect()
    }

    /// The first column of the first row, if there is a row (and it is not NULL).
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? where T._DecodableType == T {
        try await rows(query).first?.decode(T?.self) ?? nil
    }
}

/// An event to append at the end of a write transaction.
struct EventDraft: Sendable {
    var siteID: String
    var sessionID: String
    var type: String
    var data: JSON
    var now: Date
}
