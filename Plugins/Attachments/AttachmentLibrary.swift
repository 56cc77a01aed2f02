import Foundation
import PluginAPI

/// The records of attachments and the references that keep their blobs alive, in the plugin's
/// store:
///
/// - `file:<id>` — the ``AttachmentRecord`` (written last: the commit point of an upload);
/// - `ref:<digest>:<id>` — one reference of the blob per record (written before the record);
/// - `conv:<site>:<session>:<id>` — the conversation's attachments.
///
/// A blob is stored before anything points at it, and deleted only when no reference with a
/// record remains, so no record ever names a missing blob — also after `kill -9` at any point
/// (what is left behind is an unreferenced blob or a reference without a record, which
/// ``collect(now:)`` removes). Writes of one process run one after the other (``serialized(_:)``:
/// an actor alone would interleave them at every `await`), so a blob being adopted again is
/// never deleted under it.
public actor AttachmentLibrary {
    let storage: any PluginStorage
    let blobs: any BlobStore
    let orphanGrace: TimeInterval
    private var lastWrite: Task<Void, Never>?

    /// A library over `storage` (records) and `blobs`; unreferenced blobs younger than
    /// `orphanGrace` seconds are left for uploads in flight on other instances.
    public init(storage: any PluginStorage, blobs: any BlobStore, orphanGrace: TimeInterval) {
        self.storage = storage
        self.blobs = blobs
        self.orphanGrace = orphanGrace
    }

    /// Stores the finished file at `file` as `record.digest` and commits `record`.
    public func add(_ record: AttachmentRecord, file: URL) async throws {
        try await serialized { try await self.addNow(record, file: file) }
    }

    private func addNow(_ record: AttachmentRecord, file: URL) async throws {
        try await blobs.adopt(file, digest: record.digest)
        // The reference, the conversation's index entry and the record: one atomic write.
        try await storage.apply([.set(Data(), for: Self.referenceKey(record)), .set(Data(), for: Self.conversationKey(record)),
                                 .set(try JSONEncoder().encode(record), for: "file:\(record.id)")])
    }

    /// The record `id`, or `nil`.
    public func record(_ id: String) async throws -> AttachmentRecord? {
        guard Self.isID(id) else { return nil }
        return try await storage.value(for: "file:\(id)").map { try JSONDecoder().decode(AttachmentRecord.self, from: $0) }
    }

    /// Deletes every attachment of a conversation, and the blobs nothing else references (a blob
    /// with a reference in flight is left to ``collect(now:)``).
    /// Returns how many attachments went.
    @discardableResult
    public func deleteConversation(site: String, session: String) async throws -> Int {
        try await serialized { try await self.deleteConversationNow(site: site, session: session) }
    }

    private func deleteConversationNow(site: String, session: String) async throws -> Int {
        let keys = try await storage.keys(prefix: "conv:\(site):\(session):")
        var digests = Set<String>()
        for key in keys {
            let id = String(key.split(separator: ":").last ?? "")
            if let record = try await record(id) {
                try await storage.remove("file:\(id)")
                try await storage.remove(Self.referenceKey(record))
                digests.insert(record.digest)
            }
            try await storage.remove(key)
        }
        for digest in digests where try await storage.keys(prefix: "ref:\(digest):").isEmpty { try await blobs.delete(digest) }
        return keys.count
    }

    /// Removes what crashes and deletions left behind: references without a record, and blobs
    /// without a live reference that are older than the grace period. Returns the blobs deleted.
    @discardableResult
    public func collect(now: Date) async throws -> Int {
        try await serialized { try await self.collectNow(now: now) }
    }

    private func collectNow(now: Date) async throws -> Int {
        var deleted = 0
        for digest in try await blobs.digests() {
            guard try await liveReferences(digest) == 0, let info = try await blobs.info(digest),
                  now.timeIntervalSince(info.storedAt) >= orphanGrace else { continue }
            try await blobs.delete(digest)
            for key in try await storage.keys(prefix: "ref:\(digest):") { try await storage.remove(key) }
            deleted += 1
        }
        if let database = blobs as? DatabaseBlobStore { _ = try await database.sweepChunks(except: []) }
        return deleted
    }

    /// The references of `digest` whose record exists. (A reference without one belongs to an
    /// upload that crashed, or is in flight on another instance: ``collect(now:)`` removes it with
    /// its blob once the blob is past the grace period.)
    func liveReferences(_ digest: String) async throws -> Int {
        var live = 0
        for key in try await storage.keys(prefix: "ref:\(digest):")
        where try await storage.value(for: "file:\(key.split(separator: ":").last ?? "")") != nil {
            live += 1
        }
        return live
    }

    /// Runs `work` after every write started before it has finished (FIFO), whatever their
    /// suspension points.
    private func serialized<Result: Sendable>(_ work: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let previous = lastWrite
        let task = Task {
            await previous?.value
            return try await work()
        }
        lastWrite = Task { _ = await task.result }
        return try await task.value
    }

    static func referenceKey(_ record: AttachmentRecord) -> String { "ref:\(record.digest):\(record.id)" }
    static func conversationKey(_ record: AttachmentRecord) -> String { "conv:\(record.siteID):\(record.sessionID):\(record.id)" }

    /// Whether `id` has the shape of an attachment id (32 lowercase hex digits).
    static func isID(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A new random id.
    static func newID() -> String {
        (0..<16).map { _ in UInt8.random(in: 0...255) }.hexDigits
    }
}
