import Foundation
import HTTPTypes
import Hummingbird
import SanctumServices

/// `/admin/api/privacy/*` and `/admin/api/audit` (docs/privacy.md). Admin key.
///
/// - `GET /admin/api/privacy/export?session_id=` (or `?user_id=&site_id=`, a verified user's):
///   everything stored about the conversation, as a JSON download (`Content-Disposition: attachment`).
/// - `POST /admin/api/privacy/erase {"session_id": …}`, `{"session_ids": […]}` or
///   `{"user_id": …, "site_id": …}`: erases for good;
///   answers the receipt (ids and counts, no contents), also kept in the audit log.
/// - `GET /admin/api/audit?limit=&offset=`: the audit log, newest first, paged.
extension HostEnvironment {
    func addPrivacyRoutes(to routes: inout RouteTable) {
        routes.add("/admin/api/privacy/export", [.get]) { request, context in
            try self.authenticate(request, client: context.clientIP, accept: .admin, decorator: true)
            let query = Query(request.uri.query)
            let subject: PrivacySubject
            if let session = query["session_id"], !session.isEmpty {
                subject = .session(session)
            } else {
                guard let user = query["user_id"], !user.isEmpty else { throw APIError.missingSessionID }
                subject = .user(siteID: query["site_id"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultSiteID, userID: user)
            }
            let export = try await self.services.privacy.export(subject)
            let id = try await self.services.privacy.sessionID(of: subject)
            await self.audit(request, context, action: "privacy.export", targets: [id])
            var response = self.envelope(export)
            response.headers[.contentDisposition] = "attachment; filename=\"sanctum-export-\(id).json\""
            return response
        }
        routes.add("/admin/api/privacy/erase", [.post]) { request, context in
            try self.authenticate(request, client: context.clientIP, accept: .admin, decorator: true)
            var request = request
            let body = try await request.jsonObject(limit: self.settings.maxBodyBytes, falsy: .missingFields)
            if let user = body["user_id"] {
                guard let userID = user.stringValue, !userID.isEmpty, body["session_id"] == nil, body["session_ids"] == nil else {
                    throw APIError(.badRequest, "user_id must be a string, without session_id or session_ids")
                }
                guard let site = body["site_id"]?.stringValue ?? (body["site_id"] == nil ? defaultSiteID : nil) else {
                    throw APIError(.badRequest, "site_id must be a string")
                }
                let receipt = try await self.services.privacy.erase([.user(siteID: site, userID: userID)], actor: Self.actor(request),
                                                                     clientIP: context.clientIP)
                return self.envelope(["receipt": receipt.json])
            }
            let ids: [String]
            switch (body["session_id"], body["session_ids"]) {
            case (let one?, nil):
                guard let id = one.stringValue else { throw APIError(.badRequest, "session_id must be a string") }
                ids = [id]
            case (nil, .array(let items)?):
                guard items.allSatisfy({ $0.stringValue != nil }) else { throw APIError(.badRequest, "session_ids must be an array of strings") }
                ids = items.compactMap(\.stringValue)
            case (nil, _?):
                throw APIError(.badRequest, "session_ids must be an array of strings")
            default:
                throw APIError(.badRequest, "Expected {\"session_id\": …} or {\"session_ids\": […]}, not both")
            }
            let receipt = try await self.services.privacy.erase(ids.map(PrivacySubject.session), actor: Self.actor(request),
                                                                 clientIP: context.clientIP)
            return self.envelope(["receipt": receipt.json])
        }
        routes.add("/admin/api/audit", [.get]) { request, context in
            try self.authenticate(request, client: context.clientIP, accept: .admin, decorator: true)
            let (limit, offset) = try self.pagination(Query(request.uri.query))
            let page = try await self.services.audit.page(limit: limit, offset: offset)
            return self.envelope(["entries": .array(page.entries.map(\.json)),
                                  "pagination": self.paginationJSON(total: Int64(page.total), limit: limit, offset: offset)])
        }
    }

    /// The audit actor of an authenticated admin request: `admin:<key fingerprint>`.
    static func actor(_ request: Request) -> String {
        request.headers.bearerKey.map(AuditLog.actor(adminKey:)) ?? "admin"
    }

    /// Records an admin action in the audit log; a failure to record is logged, not answered
    /// (the action itself has happened).
    func audit(_ request: Request, _ context: SanctumContext, action: String, targets: [String], details: [String: JSON] = [:]) async {
        do {
            try await services.audit.record(actor: Self.actor(request), action: action, targets: targets, details: details, clientIP: context.clientIP)
        } catch {
            logger.error("could not record \(action) in the audit log: \(error)")
        }
    }
}
