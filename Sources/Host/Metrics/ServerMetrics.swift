import CoreMetrics
import Foundation
import Prometheus
import SanctumServices
import Synchronization

/// The server's metrics in Prometheus' text format (`GET /metrics`, docs/operations.md).
///
/// Request counts and latencies are recorded through swift-metrics, with a factory of this
/// server's own registry (never the process-wide bootstrap, so several servers in one process —
/// the tests — keep their numbers apart). Values that already live elsewhere (open streams,
/// waiting long-polls, the write queue, refusals) are read when the endpoint is scraped.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` renders.
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let requestMetrics = Mutex<[RequestKey: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])
    private let hookMetrics = Mutex<[HookKey: (timer: CoreMetrics.Timer, failures: CoreMetrics.Counter?)]>([:])
    private let writeBatches: CoreMetrics.Recorder
    private let longPolls = Mutex(0)
    /// Requests being answered now, but waiting long-polls (what plugins' background work yields to).
    let traffic = ForegroundTraffic()
    private let totals = Mutex<[String: Int]>([:])

    private struct RequestKey: Hashable { var route: String, method: String, status: Int }
    private struct HookKey: Hashable { var plugin: String, hook: String }

    /// Metrics with latency buckets from 1 ms to 30 s.
    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
            .map { Duration.milliseconds(Int64($0 * 1000)) }
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        self.factory = factory
        writeBatches = CoreMetrics.Recorder(label: "sanctum_write_batch_size", factory: factory)
    }

    /// Counts one answered request and its latency, by route (`MetricsRoute`), method and status.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, method: method, status: status)
        let (counter, timer) = requestMetrics.withLock { metrics in
            if let existing = metrics[key] { return existing }
            let dimensions = [("route", route), ("method", method), ("status", String(status))]
            let made = (CoreMetrics.Counter(label: "sanctum_http_requests_total", dimensions: dimensions, factory: factory),
                        CoreMetrics.Timer(label: "sanctum_http_request_duration_seconds",
                                          dimensions: [("route", route), ("method", method)], factory: factory))
            metrics[key] = made
            return made
        }
        counter.increment()
        timer.record(duration: duration)
    }

    /// Records one hook call of a plugin: its latency, and whether it failed or missed its budget.
    /// Like requests, each plugin and hook's metrics are made once (hooks run on the message path).
    func recordHook(plugin: String, hook: String, duration: Duration, failed: Bool) {
        let key = HookKey(plugin: plugin, hook: hook)
        let (timer, failures) = hookMetrics.withLock { metrics in
            let dimensions = [("plugin", plugin), ("hook", hook)]
            var entry = metrics[key] ?? (CoreMetrics.Timer(label: "sanctum_plugin_hook_duration_seconds", dimensions: dimensions, factory: factory), nil)
            // The failure counter appears with a plugin's first failure, as before.
            if failed, entry.failures == nil {
                entry.failures = CoreMetrics.Counter(label: "sanctum_plugin_hook_failures_total", dimensions: dimensions, factory: factory)
            }
            metrics[key] = entry
            return entry
        }
        timer.record(duration: duration)
        if failed { failures?.increment() }
    }

    /// Records the size of one committed write batch (group commit).
    func recordWriteBatch(size: Int) {
        writeBatches.record(size)
    }

    /// Runs `body`, counted as a waiting long-poll while it runs when `waits` is true.
    func waiting<T>(when waits: Bool, _ body: () async throws -> T) async rethrows -> T {
        guard waits else { return try await body() }
        longPolls.withLock { $0 += 1 }
        traffic.end()
        defer {
            traffic.begin()
            longPolls.withLock { $0 -= 1 }
        }
        return try await body()
    }

    /// Long-polls waiting now.
    var longPollsWaiting: Int { longPolls.withLock { $0 } }

    /// Sets the values read at scrape time and renders every metric.
    func render(_ snapshot: MetricsSnapshot) -> [UInt8] {
        registry.makeGauge(name: "sanctum_websocket_connections", labels: [("side", "visitor")]).set(Double(snapshot.visitorStreams))
        registry.makeGauge(name: "sanctum_websocket_connections", labels: [("side", "agent")]).set(Double(snapshot.agentStreams))
        registry.makeGauge(name: "sanctum_http_connections").set(Double(snapshot.connections))
        registry.makeGauge(name: "sanctum_long_polls_waiting").set(Double(longPollsWaiting))
        registry.makeGauge(name: "sanctum_write_queue_depth").set(Double(snapshot.writeQueueDepth))
        registry.makeGauge(name: "sanctum_key_lockouts").set(Double(snapshot.keyLockouts))
        for (name, labels, value) in snapshot.totals {
            let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
            let delta = totals.withLock { totals -> Int in
                let grown = max(0, value - totals[key, default: 0])
                totals[key] = value
                return grown
            }
            registry.makeCounter(name: name, labels: labels).increment(by: Int64(delta))
        }
        return registry.emitToBuffer()
    }
}

/// What `/metrics` reads from the rest of the server when it is scraped.
struct MetricsSnapshot {
    /// Open visitor streams (WebSocket).
    var visitorStreams: Int
    /// Open agent streams (WebSocket).
    var agentStreams: Int
    /// Open HTTP connections.
    var connections: Int
    /// Write jobs waiting for the writer.
    var writeQueueDepth: Int
    /// Client addresses locked out of key attempts now.
    var keyLockouts: Int
    /// Monotonic totals kept elsewhere: metric name, labels, value since start.
    var totals: [(String, [(String, String)], Int)]
}
