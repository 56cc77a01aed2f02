import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Batches `last_active` updates from read paths (visitor polls) into one write per interval,
/// so a poll never waits for a write transaction.
public final class ActivityTracker: Service, Sendable {
    private let pending = Mutex(Set<String>())
    private let store: any ChatStore
    private let interval: Duration
    private let clock: @Sendable () -> Date
    private let logger: Logger

    /// A tracker that flushes to `store` every `interval`.
    public init(store: any ChatStore, interval: Duration = .seconds(2), clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// Notes activity on `sessionID`.
    public func touch(_ sessionID: String) {
        _ = pending.withLock { $0.insert(sessionID) }
    }

    /// Writes the pending activity now.
    public func flush() async {
        let ids = pending.withLock { set in defer { set.removeAll() }; return Array(set) }
        do {
            try await store.touch(sessionIDs: ids, now: clock())
        } catch {
            logger.warning("could not record session activity: \(error)")
        }
    }

    /// Flushes every interval until graceful shutdown, then once more.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await flush()
        }
        await flush()
    }
}
