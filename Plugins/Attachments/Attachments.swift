import Foundation
import PluginAPI
import Synchronization

/// File attachments for conversations (issue 13, server side): uploads within per-tier limits,
/// checked by their real type, stripped of EXIF/GPS and other metadata, optionally scanned by
/// clamd, stored once per content in a blob store (files or the database) with reference
/// counting, and served through signed expiring links (browsers) or the agent's key.
///
/// Messages name uploaded files with the hint `metadata: {"attachments": {"ids": […]}}`; the
/// plugin stores them as `metadata.attachments.files` and adds a text line per file for agents
/// that read only the text. `docs/plugins/attachments.md` is the reference.
public struct Attachments: Plugin {
    public static let descriptor = PluginDescriptor(
        id: "attachments", version: "0.1.0", minimumAPIVersion: PluginAPIVersion(2, 4),
        capabilities: [.validateMessages, .transformMessages, .routes, .storage, .sockets, .subscribeEvents, .widgetModule],
        summary: "File attachments: per-tier limits, real-type checks, metadata stripping, optional malware scanning, reference-counted blobs and signed downloads")

    let configuration: Configuration
    /// The library `activate` built, for `run`'s collector (one per plugin instance, so their
    /// writes are serialised together).
    private let activated = ActivatedLibrary()

    public init(configuration: Configuration) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    public func activate(host: any PluginHost) async throws -> PluginContributions {
        let root = URL(fileURLWithPath: configuration.directory, isDirectory: true)
        let temporary = root.appendingPathComponent("tmp", isDirectory: true)
        try Self.emptyDirectory(temporary)
        let blobs: any BlobStore = configuration.driver == "database"
            ? DatabaseBlobStore(storage: host.storage, clock: { host.now() })
            : try FileSystemBlobStore(root: root)
        let library = AttachmentLibrary(storage: host.storage, blobs: blobs, orphanGrace: TimeInterval(configuration.orphanGraceSeconds))
        activated.library.withLock { $0 = library }
        var base = configuration.publicURL
        while base.hasSuffix("/") { base.removeLast() }
        let links = AttachmentLinks(base: base, signer: LinkSigner(key: try await signingKey(host)))
        let scanner = configuration.scanner.address.map {
            ClamdScanner(address: $0, timeouts: PluginSocketTimeouts(connect: .seconds(2), read: .seconds(configuration.scanner.timeoutSeconds)))
        }
        let clock: @Sendable () -> Date = { host.now() }
        let uploads = UploadService(configuration: configuration, library: library, host: host, temporaryDirectory: temporary, scanner: scanner)
        let routes = AttachmentRoutes(configuration: configuration, uploads: uploads,
                                      downloads: DownloadService(library: library, links: links, clock: clock),
                                      library: library, links: links, clock: clock)
        let messages = MessageAttachments(library: library, links: links, maxFilesPerMessage: configuration.maxFilesPerMessage)
        // The host's own deletions (erase, retention, idle cleanup) delete the conversation's files.
        let deletions = EventSubscription.conversationDeletions("conversation-deletions") { deleted in
            for conversation in deleted {
                _ = try await library.deleteConversation(site: conversation.siteID, session: conversation.sessionID)
            }
        }
        // The widget module (Resources/widget): attach button, drag and drop, paste, upload
        // progress with cancel, previews and the error texts (docs/plugins/attachments.md#widget).
        let widgetModule = try WidgetModule(bundle: .module, script: "widget/module.js", style: "widget/module.css",
                                            strings: ["de": "widget/de.json"])
        return PluginContributions(validators: [messages.validator], transformers: [messages.transformer], routes: routes.all,
                                   widgetModule: widgetModule, subscriptions: [deletions])
    }

    /// Collects orphaned blobs every ``Configuration/orphanGraceSeconds`` until the server stops.
    public func run(host: any PluginHost) async throws {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(max(60, configuration.orphanGraceSeconds)))
            guard !Task.isCancelled, let library = activated.library.withLock({ $0 }) else { continue }
            do {
                let collected = try await library.collect(now: host.now())
                if collected > 0 { host.log(.info, "attachments: collected \(collected) unreferenced blobs", metadata: [:]) }
            } catch {
                host.log(.warning, "attachments: collecting unreferenced blobs failed: \(error)", metadata: [:])
            }
        }
    }

    /// The key of signed links: the configured secret, or one generated once and kept in the
    /// plugin store (so every instance on the database shares it and links survive restarts).
    private func signingKey(_ host: any PluginHost) async throws -> Data {
        if !configuration.signingSecret.isEmpty { return Data(configuration.signingSecret.utf8) }
        let stored = try await host.storage.update("signing-key") { existing in
            existing ?? Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        }
        return stored ?? Data()
    }

    /// Creates `directory`, removing what a previous process left in it (uploads cut short by a
    /// crash never become blobs).
    static func emptyDirectory(_ directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        for leftover in (try? manager.contentsOfDirectory(atPath: directory.path)) ?? [] {
            try? manager.removeItem(at: directory.appendingPathComponent(leftover))
        }
    }
}

/// Holds the library `activate` built (set once, read by `run`).
final class ActivatedLibrary: Sendable {
    let library = Mutex<AttachmentLibrary?>(nil)
}
