import Foundation

/// Runs file I/O and hashing (seconds for a large upload) on a Dispatch queue instead of the
/// Swift concurrency pool, whose few threads also serve every other request: without this,
/// 100 concurrent uploads left `/widget/health` unanswered for seconds. The queue is serial:
/// a concurrent one started a thread per upload, and 100 threads hashing took every core from
/// the chat (health p99 265 ms in a release build); one at a time, the uploads' checks share one
/// core and the chat keeps the others.
enum BlockingWork {
    private static let queue = DispatchQueue(label: "sanctum.attachments.blocking", qos: .utility)
    /// Writes of received chunks: their own serial queue, so a chunk never waits behind another
    /// upload's hashing, and a write(2) the kernel throttles (dirty pages) blocks no pool thread.
    /// (Four write queues measured worse: health p99 63-70 ms instead of 20-42 ms, same RSS.)
    private static let writes = DispatchQueue(label: "sanctum.attachments.writes", qos: .utility)

    /// The result of `work`, computed off the concurrency pool.
    static func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await run(on: queue, work)
    }

    /// `work` (a write of received bytes) on the write queue.
    static func write(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await run(on: writes, work)
    }

    private static func run<Result: Sendable>(on queue: DispatchQueue, _ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Swift.Result { try work() }) }
        }
    }
}
