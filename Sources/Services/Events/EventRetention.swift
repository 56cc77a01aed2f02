import Foundation
import Logging
import ServiceLifecycle

/// Deletes events past their retention (typing signals after a minute) and expired plugin
/// values once a minute.
public struct EventRetention: Service {
    let store: any EventStore & PluginDataStore
    let retention: TimeInterval
    let clock: @Sendable () -> Date
    let logger: Logger

    /// Purges `store`'s events older than `retention` seconds and its expired plugin values, as `clock` tells time.
    public init(store: any EventStore & PluginDataStore, retention: TimeInterval, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.retention = retention
        self.clock = clock
        self.logger = logger
    }

    /// Purges once a minute until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
            await purge()
        }
    }

    /// One purge pass (tests call it directly with their own clock).
    public func purge() async {
        let now = clock()
        do {
            _ = try await store.purgeEvents(olderThan: now.addingTimeInterval(-retention), typingOlderThan: now.addingTimeInterval(-60))
        } catch {
            logger.warning("could not purge old events: \(error)")
        }
        do {
            _ = try await store.purgeExpiredPluginValues(now: now)
        } catch {
            logger.warning("could not purge expired plugin values: \(error)")
        }
    }
}
