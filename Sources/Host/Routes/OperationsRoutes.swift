import Hummingbird
import NIOCore
import SanctumServices

/// What load balancers and monitoring read: `/healthz` (the process answers), `/readyz` (the
/// database answers too), `/metrics` (Prometheus text format, admin key; docs/operations.md) and
/// `/openapi.json` (the OpenAPI 3.1 description of the whole HTTP API, docs/openapi.yaml).
extension HostEnvironment {
    /// Adds the operations endpoints to `routes`.
    func addOperationsRoutes(to routes: inout RouteTable) {
        routes.add("/healthz", [.get]) { _, _ in .json(["status": "ok"]) }
        routes.add("/openapi.json", [.get]) { request, _ in try self.siteFile("openapi.json", request) }
        routes.add("/readyz", [.get]) { _, _ in
            do {
                _ = try await self.services.events.newestEventID()
                return .json(["status": "ready"])
            } catch {
                self.logger.warning("readiness check failed: \(error)")
                return .json(["status": "unavailable", "error": "database unavailable"], status: .serviceUnavailable)
            }
        }
        routes.add("/metrics", [.get]) { request, context in
            try self.authenticate(request, client: context.clientIP, accept: .admin, decorator: false)
            let body = self.metrics.render(self.metricsSnapshot)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    /// The values `/metrics` reads from the rest of the server.
    private var metricsSnapshot: MetricsSnapshot {
        var totals: [(String, [(String, String)], Int)] = [
            ("sanctum_rate_limit_refusals_total", [], services.access.rateLimitRefusals),
        ]
        for (event, count) in connectionCounters.snapshot {
            totals.append(("sanctum_connection_refusals_total", [("reason", event.rawValue)], count))
        }
        return MetricsSnapshot(visitorStreams: visitorStreams.total, agentStreams: agentStreams.total,
                               connections: connections.total, writeQueueDepth: writeQueueDepth(),
                               keyLockouts: services.access.keyLockouts().count, totals: totals)
    }
}
