import Foundation
import ServiceLifecycle

/// Deletes events past their retention (typing signals after a minute) once a minute.
struct EventRetention: Service {
    let env: HostEnvironment

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
            let now = env.clock()
            do {
                _ = try await env.store.purgeEvents(olderThan: now.addingTimeInterval(-env.settings.eventRetention),
                                                    typingOlderThan: now.addingTimeInterval(-60))
            } catch {
                env.logger.warning("could not purge old events: \(error)")
            }
        }
    }
}
