import Foundation
import Logging
import PostgresNIO
import SanctumServices

/// The PostgreSQL connection pool of one driver instance, and its transactions.
///
/// Every query binds its values (`\(value)` in a ``PostgresQuery`` becomes `$n`): nothing is
/// ever spliced into SQL text. Multi-step changes run in one transaction (``write(_:)``).
///
/// **Event order.** A write that appends events does so last, under the row lock of
/// `sanctum_event_counter`, which hands out event ids: the lock is held until the commit, so
/// event ids are assigned in commit order across every instance on the database, and a reader
/// that follows the log by id never skips an event committed late. Within this process, such
/// writes also hold ``eventOrder`` from the append until their events have been handed to the
/// sink, so the sink sees them in id order. The same transaction sends
/// `NOTIFY sanctum_events, '<last id>'` (``EventListener``): other instances hear of the events
/// at the commit and read them from the log by id.
///
/// **Outages.** While ``health`` says the database is away (the listener lost its connection),
/// ``read(_:)`` and ``write(_:)`` throw ``DatabaseUnavailable`` without waiting on the pool.
final class PostgresDatabase: Sendable {
    /// The pool.
    let client: PostgresClient
    /// Whether the database is reachable, as the LISTEN connection last found it.
    let health = DatabaseHealth()
    private let running: Task<Void, Never>
    private let eventOrder = AsyncLock()

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

    /// Runs `body` in a transaction. The events it returns are appended at its end (see the type's
    /// notes) and handed to `sink` after the commit; nothing is appended or published if anything
    /// throws.
    @discardableResult
    func write<T: Sendable>(sink: @Sendable ([ChatEvent]) -> Void,
                            _ body: (PostgresConnection) async throws -> (T, [EventDraft])) async throws -> T {
        let holdsOrder = Flag()
        do {
            let (value, events) = try await transaction { connection -> (T, [ChatEvent]) in
                let (value, drafts) = try await body(connection)
                guard !drafts.isEmpty else { return (value, []) }
                await eventOrder.lock()
                holdsOrder.set()
                let events = try await EventLog.append(drafts, on: connection)
                if let last = events.last { try await connection.rows("SELECT pg_notify(\(EventListener.channel), \(String(last.id)))") }
                return (value, events)
            }
            if holdsOrder.isSet {
                sink(events)
                eventOrder.unlock()
            }
            return value
        } catch {
            if holdsOrder.isSet { eventOrder.unlock() }
            throw error
        }
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
            try await connection.rows("BEGIN")
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

/// A flag set once, readable from the closure that set it and after it.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// A mutual-exclusion lock for async code: waiters are resumed one at a time, in arrival order.
final class AsyncLock: @unchecked Sendable {
    private let mutex = NSLock()
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Waits until the lock is free, then holds it.
    func lock() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = mutex.withLock {
                if held { waiters.append(continuation); return false }
                held = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    /// Releases the lock, handing it to the longest waiter if there is one.
    func unlock() {
        let next = mutex.withLock { () -> CheckedContinuation<Void, Never>? in
            if waiters.isEmpty { held = false; return nil }
            return waiters.removeFirst()
        }
        next?.resume()
    }
}
