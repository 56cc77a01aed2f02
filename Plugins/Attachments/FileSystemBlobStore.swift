import Foundation

/// Blobs as files `blobs/<first two digits>/<digest>` under a directory. A blob arrives as a
/// finished, fsynced temp file in the same file system and is renamed into place (atomic), then
/// its directory is fsynced: after `kill -9` or a power cut a blob is whole or absent.
public struct FileSystemBlobStore: BlobStore {
    /// The directory holding `blobs/`.
    public let root: URL

    /// A store under `root` (created when missing).
    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("blobs"), withIntermediateDirectories: true)
    }

    public func adopt(_ file: URL, digest: String) async throws {
        let target = try path(digest)
        try await BlockingWork.run { try Self.moveIntoPlace(file, target: target) }  // rename and fsync: off the pool
    }

    /// Renames the finished `file` to `target` (or drops it when the content is there already)
    /// and fsyncs the directory.
    private static func moveIntoPlace(_ file: URL, target: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if manager.fileExists(atPath: target.path) {
            try manager.removeItem(at: file)
            try manager.setAttributes([.modificationDate: Date()], ofItemAtPath: target.path)
            return
        }
        do {
            try manager.moveItem(at: file, to: target)      // rename(2): same file system as tmp/
        } catch where manager.fileExists(atPath: target.path) {
            try? manager.removeItem(at: file)               // another upload of the same content won
        }
        Self.synchronizeDirectory(target.deletingLastPathComponent())
    }

    public func info(_ digest: String) async throws -> BlobInfo? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: try path(digest).path),
              let size = attributes[.size] as? NSNumber else { return nil }
        return BlobInfo(size: size.intValue, storedAt: attributes[.modificationDate] as? Date ?? .distantPast)
    }

    public func read(_ digest: String, range: Range<Int>) async throws -> Data {
        let handle = try FileHandle(forReadingFrom: try path(digest))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(range.lowerBound))
        return try handle.read(upToCount: range.count) ?? Data()
    }

    public func delete(_ digest: String) async throws {
        let target = try path(digest)
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
    }

    public func digests() async throws -> [String] {
        let blobs = root.appendingPathComponent("blobs")
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: blobs.path)) ?? []
        return folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: blobs.appendingPathComponent(folder).path)) ?? []).filter(\.isDigest)
        }.sorted()
    }

    private func path(_ digest: String) throws -> URL {
        guard digest.isDigest else { throw InvalidDigest() }
        return root.appendingPathComponent("blobs").appendingPathComponent(String(digest.prefix(2))).appendingPathComponent(digest)
    }

    /// fsync of a directory, so a rename into it survives a power cut (best effort: some file
    /// systems refuse to open directories for reading).
    static func synchronizeDirectory(_ directory: URL) {
        guard let handle = FileHandle(forReadingAtPath: directory.path) else { return }
        try? handle.synchronize()
        try? handle.close()
    }
}
