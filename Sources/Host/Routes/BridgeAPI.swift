import Hummingbird
import SanctumServices

/// How an action was reached: through the `?action=` dispatcher or a direct path alias. The
/// alias runs the original's auth decorators first (api key only, errors carry `code`).
enum Via: Sendable {
    case dispatcher, alias
}

/// One bridge action: the methods it answers and its handler.
struct BridgeAction: Sendable {
    let methods: Set<HTTPRequest.Method>
    let handle: @Sendable (Request, SanctumContext, Via) async throws -> Response
}

/// The `/api/v1/` dispatcher and its direct path aliases (BRIDGE-API.md §2).
extension HostEnvironment {
    /// Every bridge action by name.
    var bridgeActions: [String: BridgeAction] {
        [
            "messages": BridgeAction(methods: [.post], handle: postMessage),
            "responses": BridgeAction(methods: [.get], handle: replies),
            "inbox": BridgeAction(methods: [.get], handle: inbox),
            "outbox": BridgeAction(methods: [.post], handle: outbox),
            "sessions": BridgeAction(methods: [.get], handle: sessions),
            "config": BridgeAction(methods: [.get, .post], handle: config),
            "cleanup": BridgeAction(methods: [.post], handle: cleanup),
            "clear_data": BridgeAction(methods: [.post], handle: clearData),
            "cleanup_logs": BridgeAction(methods: [.post], handle: cleanupLogs),
            "typing": BridgeAction(methods: [.post], handle: typing),
            "read": BridgeAction(methods: [.post], handle: read),
            "events": BridgeAction(methods: [.get], handle: events),
            "ack": BridgeAction(methods: [.post], handle: ack),
            "conversations": BridgeAction(methods: [.get], handle: conversations),
            "history": BridgeAction(methods: [.get], handle: history),
            "stream": BridgeAction(methods: [.get], handle: streamWithoutUpgrade),
        ]
    }

    /// Adds `/api/v1/` and `/api/v1/<action>` to `routes`.
    func addBridgeRoutes(to routes: inout RouteTable) {
        let actions = bridgeActions
        routes.add("/api/v1/", [.get, .post]) { request, context in
            guard let name = Query(request.uri.query)["action"], !name.isEmpty else { throw APIError.missingAction }
            guard let action = actions[name] else { throw APIError.invalidAction }
            let method = request.method == .head ? .get : request.method
            guard action.methods.contains(method) else { throw APIError.methodNotAllowed }
            return try await action.handle(request, context, .dispatcher)
        }
        routes.add("/api/v1/", [.options]) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"])
        }
        for (name, action) in actions {
            routes.add("/api/v1/" + name, Array(action.methods)) { request, context in
                try await action.handle(request, context, .alias)
            }
        }
    }
}
