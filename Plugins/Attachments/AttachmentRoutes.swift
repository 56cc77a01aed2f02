import Foundation
import PluginAPI

/// The plugin's HTTP surface under `/plugins/attachments/`: upload, download, fresh links for
/// browsers, deleting a conversation's files and collecting orphans. Every refusal is an
/// ``AttachmentError`` answered as JSON with its `error_code`.
struct AttachmentRoutes: Sendable {
    let configuration: Attachments.Configuration
    let uploads: UploadService
    let downloads: DownloadService
    let library: AttachmentLibrary
    let links: AttachmentLinks
    let clock: @Sendable () -> Date

    var all: [PluginRoute] {
        [
            PluginRoute("POST", "/upload", access: .public, body: .streamed(maxBytes: configuration.largestFile)) { request in
                try await answering {
                    let record = try await uploads.upload(request, session: try Self.session(request))
                    return try created(record, request)
                }
            },
            PluginRoute("GET", "/file", access: .public) { request in
                try await answering { try await downloads.download(request) }
            },
            PluginRoute("GET", "/link", access: .public) { request in
                try await answering {
                    let session = try Self.session(request)
                    guard let record = try await library.record(request.query["id"] ?? ""), record.siteID == request.site.id,
                          request.caller != .visitor || record.sessionID == session else { throw AttachmentError.notFound }
                    return try .json(Envelope(data: ["url": visitorURL(record, request)]))
                }
            },
            PluginRoute("POST", "/conversation/delete", access: .agent) { request in
                try await answering {
                    let deleted = try await library.deleteConversation(site: request.site.id, session: try Self.session(request))
                    return try .json(Envelope(data: ["deleted": deleted]))
                }
            },
            PluginRoute("POST", "/collect", access: .admin) { _ in
                try await answering { try .json(Envelope(data: ["collected": try await library.collect(now: clock())])) }
            },
        ]
    }

    /// The `201` answer to an upload: the attachment, its browser link and its agent link.
    private func created(_ record: AttachmentRecord, _ request: PluginRequest) throws -> PluginResponse {
        struct Created: Encodable {
            var attachment: AttachmentRecord.Summary
            var url: String
            var agentURL: String
            enum CodingKeys: String, CodingKey { case attachment, url, agentURL = "agent_url" }
        }
        return try .json(Envelope(data: Created(attachment: record.summary, url: visitorURL(record, request),
                                                agentURL: links.agentURL(record.id))), status: 201)
    }

    private func visitorURL(_ record: AttachmentRecord, _ request: PluginRequest) -> String {
        links.visitorURL(record, widgetKey: request.query["widget_key"], now: clock(), lifetime: configuration.linkLifetime(for: record.siteID))
    }

    /// The `session_id` query parameter, in the bridge's shape (`session_…`, at most 64 characters).
    static func session(_ request: PluginRequest) throws -> String {
        let session = request.query["session_id"] ?? ""
        let suffix = session.dropFirst("session_".count)
        guard session.hasPrefix("session_"), session.count <= 64, !suffix.isEmpty,
              suffix.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }) else {
            throw AttachmentError.invalidRequest("Missing or invalid session_id")
        }
        return session
    }
}

/// `{"success": true, "data": …}`, the bridge's envelope.
struct Envelope<Payload: Encodable>: Encodable {
    var success = true
    var data: Payload
}

/// Runs a handler, answering an ``AttachmentError`` with its JSON; other errors propagate (500).
func answering(_ handle: () async throws -> PluginResponse) async throws -> PluginResponse {
    do {
        return try await handle()
    } catch let error as AttachmentError {
        return error.response
    }
}
