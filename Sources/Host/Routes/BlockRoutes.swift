import Hummingbird
import SanctumServices

/// `/admin/api/blocks`: the visitors operators blocked (docs/console.md). Admin key.
///
/// - `GET`: `{"blocks": [{id, kind, value, note, created_at}]}`, newest first.
/// - `POST {"kind": "session"|"ip", "value": …, "note"?}` or `{"uid": …}` (blocks that visitor's
///   conversation): the block.
/// - `DELETE ?id=<kind>:<value>`: `{"removed": true|false}`.
extension HostEnvironment {
    func addBlockRoutes(to routes: inout RouteTable) {
        routes.add("/admin/api/blocks", [.get, .post, .delete]) { request, context in
            try self.authenticate(request, client: context.clientIP, accept: .admin, decorator: true)
            switch request.method {
            case .get:
                return self.envelope(["blocks": .array(try await self.services.blocks.list().map(\.json))])
            case .delete:
                guard let id = Query(request.uri.query)["id"], !id.isEmpty else { throw APIError(.badRequest, "Missing id") }
                let removed = try await self.services.blocks.remove(id: id)
                if removed { await self.audit(request, context, action: "block.remove", targets: [id]) }
                return self.envelope(["removed": .bool(removed)])
            default:
                var request = request
                let body = try await request.jsonObject(limit: self.settings.maxBodyBytes, falsy: .missingFields)
                if let note = body["note"], note.stringValue == nil, note != .null { throw APIError(.badRequest, "note must be text") }
                let note = body["note"]?.stringValue ?? ""
                if let uid = body["uid"]?.stringValue, !uid.isEmpty {
                    let found = try await self.store.conversations(siteID: nil, query: uid, limit: 2, offset: 0).items.filter { $0.uid == uid }
                    guard let session = found.first else { throw APIError(.notFound, "No conversation has this uid") }
                    let block = try await self.services.blocks.add(.session, session.sessionID, note: note)
                    await self.audit(request, context, action: "block.add", targets: [block.id])
                    return self.envelope(["block": block.json])
                }
                guard let kind = body["kind"]?.stringValue.flatMap(VisitorBlock.Kind.init(rawValue:)), let value = body["value"]?.stringValue else {
                    throw APIError(.badRequest, "Expected {\"kind\": \"session\" or \"ip\", \"value\": …} or {\"uid\": …}")
                }
                let block = try await self.services.blocks.add(kind, value, note: note)
                await self.audit(request, context, action: "block.add", targets: [block.id])
                return self.envelope(["block": block.json])
            }
        }
    }
}
