import Foundation

/// Runs file I/O and hashing (seconds for a large upload) on a Dispatch queue instead of the
/// Swift concurrency pool, whose few threads also serve every other request: without this,
/// 100 concurrent uploads left `/widget/health` unanswered for seconds.
enum BlockingWork {
    private static let queue = DispatchQueue(label: "sanctum.attachments.blocking", qos: .utility, attributes: .concurrent)

    /// The result of `work`, computed off the concurrency pool.
    static func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Swift.Result { try work() }) }
        }
    }
}
