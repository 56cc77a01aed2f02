import Foundation
import Logging
import PluginAPI
import PluginDispatch
import ServiceLifecycle
import Synchronization

/// The activated plugins of this server: the hook pipeline, plugin routes and widget modules,
/// the observer queue, and the plugins' lifecycle (`run`, then `deactivate` in reverse order).
public final class PluginRuntime: Service, Sendable {
    /// One activated plugin.
    package struct Entry: Sendable {
        let id: String
        let plugin: any Plugin
        /// The plugin's host, restricted to its declared capabilities.
        let host: any PluginHost
        let contributions: PluginContributions

        package init(id: String, plugin: any Plugin, host: any PluginHost, contributions: PluginContributions) {
            self.id = id
            self.plugin = plugin
            self.host = host
            self.contributions = contributions
        }
    }

    /// The dispatcher every request path uses.
    public let pipeline: HookPipeline
    package let entries: [Entry]
    private let observed: AsyncStream<(ObservedEvent, [String])>
    private let observerInput: AsyncStream<(ObservedEvent, [String])>.Continuation
    private let logger: Logger
    private let dropped = DroppedCounter()
    /// Longest wait for all plugins to deactivate at shutdown.
    static let deactivationDeadline: Duration = .seconds(5)
    /// Committed and rejected messages waiting for observers, at most.
    static let observerQueueCapacity = 4096

    /// Ids of the activated plugins, in activation order.
    public var activatedIDs: [String] { entries.map(\.id) }

    /// `observeHooks` is told every hook call (the host's metrics).
    package init(entries: [Entry], logger: Logger, observeHooks: @escaping @Sendable (HookCall) -> Void = { _ in }) {
        self.entries = entries
        self.logger = logger
        pipeline = HookPipeline(plugins: entries.map { ActivatedPlugin(id: $0.id, contributions: $0.contributions) }, log: { level, message in
            switch level {
            case .error: logger.error("\(message)")
            case .warning: logger.warning("\(message)")
            default: logger.info("\(message)")
            }
        }, observe: observeHooks)
        (observed, observerInput) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(Self.observerQueueCapacity))
    }

    /// The contributions of the plugin `id`, if it is activated.
    package func contributions(of id: String) -> PluginContributions? {
        entries.first { $0.id == id }?.contributions
    }

    /// The descriptor version of the plugin `id`, if it is activated.
    package func version(of id: String) -> String? {
        entries.first { $0.id == id }.map { type(of: $0.plugin).descriptor.version }
    }

    /// Whether any of `enabled` observes messages of `kind`.
    func hasObservers(for kind: MessageKind, enabled: [String]) -> Bool {
        entries.contains { entry in enabled.contains(entry.id) && entry.contributions.observers.contains { $0.kinds.contains(kind) } }
    }

    /// Queues a committed message for the observers; never blocks. When the queue is full the
    /// event is dropped and counted (logged every 1,000 drops).
    func enqueue(_ message: StoredMessage, enabled: [String]) {
        guard hasObservers(for: message.kind, enabled: enabled) else { return }
        enqueue(.committed(message), enabled: enabled)
    }

    /// Queues a rejected message for the rejection observers, as ``enqueue(_:enabled:)`` does.
    func enqueueRejection(_ rejection: RejectedMessage, enabled: [String]) {
        guard pipeline.hasRejectionObservers(for: rejection.kind, enabled: enabled) else { return }
        enqueue(.rejected(rejection), enabled: enabled)
    }

    private func enqueue(_ event: ObservedEvent, enabled: [String]) {
        if case .dropped = observerInput.yield((event, enabled)) {
            let count = dropped.increment()
            if count % 1000 == 1 { logger.warning("observer queue full: \(count) events dropped so far") }
        }
    }

    /// Runs the observer queue and every plugin's `run` until shutdown, then deactivates the
    /// plugins in reverse order within ``deactivationDeadline``.
    public func run() async throws {
        let entries = self.entries
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [observed, pipeline] in
                    for await (event, enabled) in observed {
                        switch event {
                        case .committed(let message): await pipeline.notify(message, enabled: enabled)
                        case .rejected(let rejection): await pipeline.notifyRejected(rejection, enabled: enabled)
                        }
                    }
                }
                for entry in entries {
                    group.addTask { [logger] in
                        do {
                            try await cancelWhenGracefulShutdown { try await entry.plugin.run(host: entry.host) }
                        } catch is CancellationError {
                        } catch {
                            logger.error("plugin \(entry.id) run failed: \(error)")
                        }
                    }
                }
            }
        } onGracefulShutdown: { [observerInput] in
            observerInput.finish()
        }
        _ = await Deadline.run(within: Self.deactivationDeadline) {
            for entry in entries.reversed() { await entry.plugin.deactivate(host: entry.host) }
        }
    }
}

/// What the observer queue carries.
private enum ObservedEvent: Sendable {
    case committed(StoredMessage)
    case rejected(RejectedMessage)
}

/// Counts dropped observer events.
private final class DroppedCounter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
