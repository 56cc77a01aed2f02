import Foundation
import PluginAPI

/// Takes one upload from the request to a committed ``AttachmentRecord``, refusing it as early
/// as possible: a declared length over the tier's limit or a name of a type the tier refuses
/// before a byte is read; the daily count before the body is stored; the real type, the scan and
/// the image checks before the blob is committed. The body goes to a temp file chunk by chunk.
struct UploadService: Sendable {
    let configuration: Attachments.Configuration
    let library: AttachmentLibrary
    let host: any PluginHost
    /// Where uploads are written before they are committed (on the blob store's file system).
    let temporaryDirectory: URL
    let scanner: ClamdScanner?

    /// Stores the body of `request` as an attachment of `session`, or throws ``AttachmentError``.
    func upload(_ request: PluginRequest, session: String) async throws -> AttachmentRecord {
        let limits = configuration.limits(for: request.site.tier)
        let name = try Self.fileName(request.query["name"])
        if let declared = request.headers["content-length"].flatMap(Int.init), declared > limits.maxFileBytes {
            throw AttachmentError.tooLarge(limits.maxFileBytes)
        }
        let byExtension = FileType.allCases.filter { $0.extensions.contains((name as NSString).pathExtension.lowercased()) }
        guard let expected = byExtension.first else { throw AttachmentError.typeNotAllowed((name as NSString).pathExtension) }
        guard limits.allows(expected) else { throw AttachmentError.typeNotAllowed(expected.rawValue) }

        let dayKey = Self.dayKey(site: request.site.id, session: session, now: host.now())
        let count = try await host.storage.increment(dayKey, expiresAfter: .seconds(2 * 86_400))
        do {
            guard count <= Int64(limits.filesPerConversationPerDay) else { throw AttachmentError.dailyLimit(limits.filesPerConversationPerDay) }
            return try await store(request, name: name, session: session, limits: limits)
        } catch {
            _ = try? await host.storage.increment(dayKey, by: -1)      // a refused upload does not count
            throw error
        }
    }

    /// Receives, checks and commits the body (the daily slot is taken).
    private func store(_ request: PluginRequest, name: String, session: String, limits: Attachments.Limits) async throws -> AttachmentRecord {
        let received = temporaryDirectory.appendingPathComponent("upload-\(AttachmentLibrary.newID())")
        let stripped = received.appendingPathExtension("stripped")
        defer {
            try? FileManager.default.removeItem(at: received)
            try? FileManager.default.removeItem(at: stripped)
        }
        try await receive(request.bodyStream, into: received, limit: limits.maxFileBytes)

        guard let type = try FileType.sniff(Self.head(of: received)) else { throw AttachmentError.typeMismatch }
        guard type.agrees(declaredType: request.headers["content-type"], fileName: name) else { throw AttachmentError.typeMismatch }
        guard limits.allows(type) else { throw AttachmentError.typeNotAllowed(type.rawValue) }
        let scan = try await scanned(received)

        var size: ImageSize?
        var stored = received
        if type.isImage {
            let strip = configuration.stripMetadata && type != .gif
            do {
                size = try await BlockingWork.run { [received, stripped] in try ImageSanitizer.process(type, input: received, output: strip ? stripped : nil) }
            } catch {
                throw AttachmentError.unreadableImage
            }
            if strip { stored = stripped }
        }
        let (digest, storedSize) = try await BlockingWork.run { [stored] in try Self.digest(of: stored) }
        let record = AttachmentRecord(id: AttachmentLibrary.newID(), digest: digest, name: name, type: type, size: storedSize,
                                      width: size?.width, height: size?.height, siteID: request.site.id, sessionID: session,
                                      uploadedBy: request.caller == .visitor ? "visitor" : "agent", createdAt: host.now(), scan: scan)
        try await library.add(record, file: stored)
        return record
    }

    /// Streams the body into `file` (fsynced), refusing it once it passes `limit`.
    private func receive(_ body: PluginBodyStream, into file: URL, limit: Int) async throws {
        let writer = try FileWriter(file)
        for try await chunk in body {
            guard writer.count + chunk.count <= limit else { throw AttachmentError.tooLarge(limit) }
            try await BlockingWork.write { try writer.write(chunk) }
        }
        try await BlockingWork.run { try writer.finish() }  // fsync: off the concurrency pool
    }

    /// `clean`, `off`, or `skipped` (scanner down and failing open, logged); throws for an infected
    /// file or a scanner that is down while failing closed.
    private func scanned(_ file: URL) async throws -> String {
        guard let scanner else { return "off" }
        do {
            switch try await scanner.scan(file, with: host.sockets) {
            case .clean: return "clean"
            case .infected(let signature):
                host.log(.warning, "attachments: upload refused by the malware scanner (\(signature))", metadata: ["signature": signature])
                throw AttachmentError.infected
            }
        } catch let error as ScannerUnavailable {
            guard configuration.scanner.onFailure == "open" else {
                host.log(.error, "attachments: upload refused, \(error) (scanner.on_failure: closed)", metadata: [:])
                throw AttachmentError.scannerUnavailable
            }
            host.log(.warning, "attachments: upload stored UNSCANNED, \(error) (scanner.on_failure: open)", metadata: [:])
            return "skipped"
        }
    }

    /// The last path component of `raw`, without control characters, 1…255 bytes.
    static func fileName(_ raw: String?) throws -> String {
        let base = (raw ?? "").replacingOccurrences(of: "\\", with: "/").split(separator: "/").last.map(String.init) ?? ""
        let clean = String(String.UnicodeScalarView(base.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
            .trimmingCharacters(in: .whitespaces)
        guard !clean.isEmpty, clean != ".", clean != "..", clean.utf8.count <= 255 else {
            throw AttachmentError.invalidRequest("Missing or invalid file name (the name query parameter)")
        }
        return clean
    }

    static func dayKey(site: String, session: String, now: Date) -> String {
        "day:\(site):\(session):\(Int(now.timeIntervalSince1970) / 86_400)"
    }

    private static func head(of file: URL) throws -> Data {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        return try handle.read(upToCount: FileType.sniffLength + 1) ?? Data()
    }

    /// The SHA-256 (hex) and size of a file, read in bounded pieces.
    static func digest(of file: URL) throws -> (String, Int) {
        let reader = try FileReader(file)
        var hasher = SHA256()
        var size = 0
        while !reader.isAtEnd {
            let piece = try reader.readUpTo(256 * 1024)
            hasher.update(piece)
            size += piece.count
        }
        return (hasher.finalize().hexDigits, size)
    }
}
