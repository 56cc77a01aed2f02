import Foundation
import SanctumServices
import Hummingbird

/// `/admin/`: the admin page and `/admin/api/*` (BRIDGE-API.md §4.2). Every endpoint runs the
/// admin decorator (errors carry `code`); exceptions never leak their text.
extension HostEnvironment {
    func addAdminRoutes(to routes: inout RouteTable) {
        routes.add("/admin/", [.get]) { request, _ in try self.sitePage("admin.html", request) }
        routes.add("/admin/api/sessions", [.get]) { try await self.sessions($0, $1, .alias) }
        addBlockRoutes(to: &routes)
        addPrivacyRoutes(to: &routes)
        routes.add("/admin/api/config", [.get, .post]) { try await self.config($0, $1, .alias) }
        routes.add("/admin/api/cleanup", [.post]) { try await self.cleanup($0, $1, .alias) }
        routes.add("/admin/api/clear_data", [.post]) { try await self.clearData($0, $1, .alias) }
        routes.add("/admin/api/cleanup_logs", [.post]) { try await self.cleanupLogs($0, $1, .alias) }
        routes.add("/admin/api/lockouts", [.get]) { request, context in
            try self.authenticate(request, client: context.clientIP, accept: .admin, decorator: true)
            return self.envelope(["lockouts": .array(self.services.access.keyLockouts().map(\.json))])
        }
        routes.add("/admin/api/session_messages", [.get]) { request, context in
            try self.authenticate(request, client: context.clientIP, accept: .admin, decorator: true)
            guard let id = Query(request.uri.query)["session_id"], !id.isEmpty else { throw APIError.missingSessionID }
            guard let history = try await self.store.history(sessionID: id) else { throw APIError(.notFound, "Session not found") }
            var session = history.session.json.objectValue
            session["message_count"] = nil
            session["response_count"] = nil
            let messages: [JSON] = history.messages.map {
                ["id": .int($0.id), "session_id": .string($0.sessionID), "message": .string($0.message), "timestamp": .string($0.timestamp)]
            }
            return self.envelope(["session": .object(session), "messages": .array(messages), "responses": .array(history.replies.map(\.json))])
        }
    }
}

extension KeyLockout {
    /// The console's lockout list item: `ip`, `failures`, `refused` and `until` (ISO 8601, UTC).
    var json: JSON {
        ["ip": .string(clientIP), "failures": .int(Int64(failures)), "refused": .int(Int64(refused)), "until": .string(Timestamps.iso(until))]
    }
}

extension JSON {
    /// The members of an object (empty for other values).
    var objectValue: [String: JSON] { members ?? [:] }
}
