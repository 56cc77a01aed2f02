import Foundation
import SanctumServices
import Synchronization

/// The SQLite database: one writer thread with group commit, and a pool of reader connections.
///
/// Writes are closures queued to the writer thread. The thread takes every queued write, runs
/// them inside ONE transaction (each in its own savepoint, so a failing write rolls back alone),
/// commits once and only then resumes the callers: a write that returned is durable, and many
/// concurrent writes share one fsync. Reads run on the caller's thread on a pooled connection;
/// WAL lets them proceed while the writer works.
public final class Database: Sendable {
    /// Path of the database file.
    public let path: String
    private let writer: WriterThread
    private let readers: Mutex<[SQLiteConnection]>

    /// Opens the database at `path` in WAL mode with full durability.
    public init(path: String) throws {
        self.path = path
        let connection = try SQLiteConnection(path: path)
        // secure_delete: deleted rows are overwritten with zeros, so an erased text leaves no copy
        // in free pages (docs/privacy.md).
        try connection.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA secure_delete=ON;")
        writer = WriterThread(connection: connection)
        readers = Mutex([])
    }

    /// Runs `body` on the writer connection inside a transaction; returns once it is committed.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            writer.enqueue(WriteJob(body: body, continuation: continuation))
        }
    }

    /// Copies the write-ahead log into the database file and truncates it to zero bytes (after an
    /// erase, so no old page image of an erased row stays in the `-wal` file). Runs on the writer
    /// thread between batches, outside any transaction; waits for readers to finish.
    public func checkpoint() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.enqueue(WriteJob(body: { connection in
                var busy: Int64 = 1
                for _ in 0..<50 where busy != 0 {
                    busy = try connection.query("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }.first ?? 0
                    if busy != 0 { Thread.sleep(forTimeInterval: 0.02) }
                }
                if busy != 0 { throw SQLiteError(code: 5, message: "checkpoint: readers kept the write-ahead log busy") }
            }, continuation: continuation, outsideTransaction: true))
        }
    }

    /// Runs `body` with a reader connection on the calling thread.
    public func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let connection = try readers.withLock { $0.popLast() } ?? openReader()
        defer { readers.withLock { $0.append(connection) } }
        return try body(connection)
    }

    /// Write jobs waiting for the writer thread now.
    public var writeQueueDepth: Int { writer.depth }

    /// Calls `observer` with the size of every batch the writer commits (metrics). Set it once,
    /// before traffic; it runs on the writer thread and must be quick.
    public func observeBatches(_ observer: @escaping @Sendable (Int) -> Void) {
        writer.batchObserver.withLock { $0 = BatchObserver(observe: observer) }
    }

    /// Stops the writer thread after the queued writes are committed.
    public func close() {
        writer.stop()
    }

    private func openReader() throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA query_only=1;")
        return connection
    }
}

/// The batch-size observer behind a reference. A closure kept in a `Mutex` directly is
/// reabstracted on the way into and out of every `withLock` (its value is generic there), and
/// each access wrapped the stored closure in two more thunks: after a few minutes of traffic a
/// commit walked a chain of hundreds of thousands of them (18 % of the server's CPU in a
/// profile) and the chain's memory was never freed. A class instance is never rewrapped.
private final class BatchObserver: Sendable {
    let observe: @Sendable (Int) -> Void
    init(observe: @escaping @Sendable (Int) -> Void) { self.observe = observe }
}

/// A queued write: runs on the writer thread, completes after the batch commits.
private protocol AnyWriteJob: AnyObject, Sendable {
    /// Runs alone, outside any transaction (a checkpoint).
    var outsideTransaction: Bool { get }
    /// Runs the body, remembering its result; returns whether it succeeded.
    func execute(on connection: SQLiteConnection) -> Bool
    /// Resumes the caller: with the body's result, or with `commitError` if the commit failed.
    func finish(commitError: (any Error)?)
}

private final class WriteJob<T: Sendable>: AnyWriteJob, @unchecked Sendable {
    let body: @Sendable (SQLiteConnection) throws -> T
    let continuation: CheckedContinuation<T, any Error>
    let outsideTransaction: Bool
    var result: Result<T, any Error>?

    init(body: @escaping @Sendable (SQLiteConnection) throws -> T, continuation: CheckedContinuation<T, any Error>, outsideTransaction: Bool = false) {
        self.body = body
        self.continuation = continuation
        self.outsideTransaction = outsideTransaction
    }

    func execute(on connection: SQLiteConnection) -> Bool {
        let outcome = Result { try body(connection) }
        result = outcome
        if case .success = outcome { return true }
        return false
    }

    func finish(commitError: (any Error)?) {
        switch (result, commitError) {
        case (.failure(let error)?, _), (_, let error?): continuation.resume(throwing: error)
        case (.success(let value)?, nil): continuation.resume(returning: value)
        case (nil, nil): continuation.resume(throwing: SQLiteError(code: 1, message: "write not executed"))
        }
    }
}

/// The single writer: a dedicated thread that drains the queue in batches.
private final class WriterThread: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let condition = NSCondition()
    private var queue: [any AnyWriteJob] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    /// Most writes one transaction takes; bounds the latency a batch adds to its first write.
    private let maxBatch = 512
    /// Told the size of each committed batch.
    let batchObserver = Mutex<BatchObserver?>(nil)

    /// Jobs queued and not yet taken by the writer.
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    init(connection: SQLiteConnection) {
        self.connection = connection
        let thread = Thread { [self] in self.loop() }
        thread.name = "sanctum-sqlite-writer"
        thread.start()
    }

    func enqueue(_ job: any AnyWriteJob) {
        condition.lock()
        if stopping {
            condition.unlock()
            job.finish(commitError: SQLiteError(code: 21, message: "database is closed"))
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        let alreadyStopping = stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if !alreadyStopping { finished.wait() }
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                condition.unlock()
                finished.signal()
                return
            }
            if queue[0].outsideTransaction {
                let job = queue.removeFirst()
                condition.unlock()
                _ = job.execute(on: connection)
                job.finish(commitError: nil)
                continue
            }
            let batch = Array(queue.prefix(maxBatch).prefix { !$0.outsideTransaction })
            queue.removeFirst(batch.count)
            condition.unlock()
            commit(batch)
        }
    }

    /// Runs `batch` in one transaction, each write in its own savepoint, then commits once.
    private func commit(_ batch: [any AnyWriteJob]) {
        var commitError: (any Error)?
        do {
            try connection.execute("BEGIN IMMEDIATE")
            for job in batch {
                let actionsBefore = connection.commitActions.count
                try connection.execute("SAVEPOINT job")
                if job.execute(on: connection) {
                    try connection.execute("RELEASE job")
                } else {
                    connection.commitActions.removeSubrange(actionsBefore...)
                    try connection.execute("ROLLBACK TO job; RELEASE job")
                }
            }
            try connection.execute("COMMIT")
        } catch {
            commitError = error
            try? connection.execute("ROLLBACK")
        }
        let actions = connection.commitActions
        connection.commitActions.removeAll(keepingCapacity: true)
        if commitError == nil { actions.forEach { $0() } }
        batch.forEach { $0.finish(commitError: commitError) }
        batchObserver.withLock { $0 }?.observe(batch.count)
    }
}
