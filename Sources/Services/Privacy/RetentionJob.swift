import Foundation
import Logging
import ServiceLifecycle

/// Per-site retention (`retention_days` in a site's config, docs/privacy.md): once an hour of the
/// server's clock, erases the site's conversations inactive for longer than that, in batches of
/// ``batchSize`` (one transaction each, plugins told as for an erase, one audit entry each), at
/// most ``maxBatchesPerRun`` per site per run (the rest waits for the next run).
public struct RetentionJob: Service {
    /// Conversations erased per transaction.
    public static let batchSize = 100
    /// Batches per site and run.
    public static let maxBatchesPerRun = 20
    /// Server-clock time between runs.
    public static let interval: TimeInterval = 3_600

    let privacy: PrivacyService
    let store: any ChatStore
    /// Days kept, by site id (sites without retention are absent).
    let retentionDays: [String: Int]
    let clock: @Sendable () -> Date
    let logger: Logger

    /// Retention for these sites over `privacy`'s store.
    public init(privacy: PrivacyService, retentionDays: [String: Int], clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.privacy = privacy
        self.store = privacy.store
        self.retentionDays = retentionDays
        self.clock = clock
        self.logger = logger
    }

    /// Checks the clock every second (so a test clock moved forward triggers a run at once) and
    /// runs when ``interval`` has passed since the last run, until graceful shutdown.
    public func run() async throws {
        guard !retentionDays.isEmpty else {
            // Nothing to do, but a service that returns early would stop the server.
            try? await gracefulShutdown()
            return
        }
        var lastRun: Date?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = clock()
            if lastRun.map({ now.timeIntervalSince($0) >= Self.interval || now < $0 }) ?? true {
                lastRun = now
                _ = await runOnce()
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }

    /// One pass over every site; returns the conversations erased (tests call it directly).
    @discardableResult
    public func runOnce() async -> Int {
        var total = 0
        for (site, days) in retentionDays.sorted(by: { $0.key < $1.key }) where days > 0 {
            let cutoff = Timestamps.database(clock().addingTimeInterval(-Double(days) * 86_400))
            do {
                for _ in 0..<Self.maxBatchesPerRun {
                    let ids = try await store.sessionsInactive(siteID: site, before: cutoff, limit: Self.batchSize)
                    guard !ids.isEmpty else { break }
                    let receipt = try await privacy.erase(sessionIDs: ids, reason: "retention", actor: "system", clientIP: nil, action: "retention.run")
                    total += receipt.sessionIDs.count
                    if ids.count < Self.batchSize { break }
                }
            } catch {
                logger.warning("retention of site \(site) failed: \(error)")
            }
        }
        if total > 0 { logger.info("retention erased \(total) conversations") }
        return total
    }
}
