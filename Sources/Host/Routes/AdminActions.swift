import Foundation
import SanctumServices
import Hummingbird

/// Admin actions, shared by `?action=`, the `/api/v1/<name>` aliases and `/admin/api/*`
/// (BRIDGE-API.md §2.7–2.11, §4.2).
extension HostEnvironment {
    /// Admin auth: the dispatcher's internal check, or the decorator (with `code`).
    private func requireAdmin(_ request: Request, _ context: SanctumContext, _ via: Via) throws(APIError) {
        try authenticate(request, client: context.clientIP, accept: .admin, decorator: via == .alias)
    }

    /// GET `sessions`: the list and total use the same filter (`active=true`: last day).
    @Sendable func sessions(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try requireAdmin(request, context, via)
        try rateLimit(.sessions, client: "key:admin")
        let query = Query(request.uri.query)
        let (limit, offset) = try pagination(query)
        let (rows, total) = try await services.administration.sessions(activeOnly: (query["active"] ?? "true") == "true", limit: limit, offset: offset)
        return envelope(["sessions": .array(rows.map(\.json)), "pagination": paginationJSON(total: total, limit: limit, offset: offset)])
    }

    /// GET/POST `config`: every `system_config` row with secrets masked; POST upserts all or nothing.
    @Sendable func config(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try requireAdmin(request, context, via)
        if request.method == .post {
            var request = request
            let body = try await request.jsonObject(limit: settings.maxBodyBytes, falsy: .invalidJSON)
            try await services.administration.updateConfiguration(body)
            await audit(request, context, action: "config.update", targets: body.keys.sorted())
            return envelope(nil)
        }
        return envelope(.object(try await services.administration.configuration()))
    }

    /// POST `cleanup`: deletes sessions idle longer than `session_timeout` (default 1800 s)
    /// that have no undelivered messages.
    @Sendable func cleanup(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try requireAdmin(request, context, via)
        let count = try await services.administration.cleanUpIdleSessions()
        await audit(request, context, action: "sessions.cleanup", targets: [], details: ["sessions": .int(Int64(count))])
        return envelope(["cleaned_count": .int(Int64(count)), "message": .string("Cleaned up \(count) inactive sessions")])
    }

    /// POST `clear_data`: deletes all conversations and rate-limit state. Both the API's
    /// `remaining_data` (zeros) and the admin page's `cleaned_data` (real counts) are returned.
    @Sendable func clearData(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try requireAdmin(request, context, via)
        let counts = try await services.administration.clearAll()
        await audit(request, context, action: "data.clear", targets: [], details: [
            "sessions": .int(counts.sessions), "messages": .int(counts.messages), "responses": .int(counts.responses),
        ])
        return envelope([
            "message": "All data cleared successfully",
            "remaining_data": ["responses": 0, "messages": 0, "sessions": 0],
            "cleaned_data": ["sessions": .int(counts.sessions), "messages": .int(counts.messages), "responses": .int(counts.responses)],
        ])
    }

    /// POST `cleanup_logs`: the original's constant answer (logs go to stdout here).
    @Sendable func cleanupLogs(_ request: Request, _ context: SanctumContext, _ via: Via) async throws -> Response {
        try requireAdmin(request, context, via)
        return envelope([
            "message": "Log cleanup completed successfully", "current_log_size_mb": 0.0, "backup_files_count": 0,
            "total_log_size_mb": 0.0, "retention_days": 30, "max_size_mb": 100,
        ])
    }
}

extension SessionSummary {
    /// The admin list item.
    var json: JSON {
        ["id": .string(id), "uid": .optional(uid), "created_at": .optional(createdAt), "last_active": .optional(lastActive),
         "ip_address": .optional(ipAddress), "metadata": .optional(metadata),
         "message_count": .int(messageCount), "response_count": .int(responseCount)]
    }
}
