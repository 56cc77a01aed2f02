import Foundation
import PluginAPI

/// Attaches uploaded files to the message that names them. A client (the widget's module, or an
/// agent in `outbox`) sends the ids it got from `POST /upload` as a hint,
/// `metadata: {"attachments": {"ids": ["…"]}}`; the validator refuses ids that are unknown or
/// belong to another conversation, and the transformer copies the files into the message's own
/// metadata (`metadata.attachments.files`: id, name, type, size, width/height, url) — hints are
/// never stored, so only this plugin can say what a message carries.
///
/// For agents that read only the text (the Broca2 `web_chat` plugin), a visitor message gets one
/// line per file, `[Attachment: <name> (<type>, <size>) <url>]`; a file-only message, whose text
/// the widget sends as the file's name, becomes just those lines.
struct MessageAttachments: Sendable {
    let library: AttachmentLibrary
    let links: AttachmentLinks
    let maxFilesPerMessage: Int

    /// The validator: unknown, foreign or too many ids refuse the message.
    var validator: MessageValidator {
        MessageValidator(name: "references", kinds: [.visitor, .agent], budget: .milliseconds(500), policy: .failClosed) { draft, context in
            do {
                _ = try await records(draft, context)
                return .allow
            } catch let error as AttachmentError {
                return .reject(code: error.code, localizationKey: error.localizationKey, message: error.message)
            }
        }
    }

    /// The transformer: metadata for every message with attachments, text lines for visitors'.
    var transformer: MessageTransformer {
        MessageTransformer.rewriting(name: "attach", kinds: [.visitor, .agent], budget: .milliseconds(500), policy: .failClosed) { draft, context in
            let records = try await records(draft, context)
            guard !records.isEmpty else { return MessageRewrite(text: draft.text) }
            let files = records.map { $0.metadata(url: links.agentURL($0.id)) }
            return MessageRewrite(text: draft.kind == .visitor ? Self.text(draft.text, naming: records, links: links) : draft.text,
                                  metadata: ["files": .array(files)])
        }
    }

    /// The records the draft's hint names, checked against its site and conversation.
    func records(_ draft: MessageDraft, _ context: HookContext) async throws -> [AttachmentRecord] {
        guard let hint = draft.clientMetadata[Attachments.descriptor.id]?["ids"] else { return [] }
        guard let ids = hint.arrayValue?.compactMap(\.stringValue), ids.count == hint.arrayValue?.count else {
            throw AttachmentError.invalidRequest("metadata.attachments.ids must be a list of attachment ids")
        }
        var seen = Set<String>()
        let unique = ids.filter { seen.insert($0).inserted }
        guard unique.count <= maxFilesPerMessage else { throw AttachmentError.tooManyFiles(maxFilesPerMessage) }
        var records: [AttachmentRecord] = []
        for id in unique {
            guard let record = try await library.record(id), record.siteID == context.site.id,
                  record.sessionID == draft.sessionID else { throw AttachmentError.notFound }
            records.append(record)
        }
        return records
    }

    /// The visitor's text with a line per file (replacing a text that is just one file's name).
    static func text(_ text: String, naming records: [AttachmentRecord], links: AttachmentLinks) -> String {
        let lines = records.map { "[Attachment: \($0.name) (\($0.type.rawValue), \(byteCount($0.size))) \(links.agentURL($0.id))]" }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let keepsText = !trimmed.isEmpty && !records.contains { $0.name == trimmed }
        return ((keepsText ? [text] : []) + lines).joined(separator: "\n")
    }

    /// `812 B`, `14 KB`, `3.2 MB`.
    static func byteCount(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return "\(bytes / 1024) KB" }
        return String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
    }
}
