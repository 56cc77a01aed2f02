import Foundation
import PluginAPI

/// Blobs in the plugin's key-value store (the server's database), for several instances sharing
/// one database: the bytes in chunks under `blobchunk:<digest>:<index>`, then a manifest
/// `blob:<digest>` (size, chunk size, time). The manifest is written last and deleted first, so a
/// crash leaves at most chunks without a manifest, which ``sweepChunks()`` removes; a reader never
/// sees half a blob.
public struct DatabaseBlobStore: BlobStore {
    struct Manifest: Codable {
        var size: Int
        var chunkSize: Int
        var storedAt: Date
    }

    /// Bytes per stored value.
    public static let chunkSize = 256 * 1024

    let storage: any PluginStorage
    let clock: @Sendable () -> Date

    /// A store in `storage`, timestamped with `clock` (the host's).
    public init(storage: any PluginStorage, clock: @escaping @Sendable () -> Date) {
        self.storage = storage
        self.clock = clock
    }

    public func adopt(_ file: URL, digest: String) async throws {
        guard digest.isDigest else { throw InvalidDigest() }
        defer { try? FileManager.default.removeItem(at: file) }
        if var manifest = try await manifest(digest) {
            manifest.storedAt = clock()
            try await storage.set(try JSONEncoder().encode(manifest), for: "blob:\(digest)")
            return
        }
        let reader = try FileReader(file)
        var index = 0
        var size = 0
        while !reader.isAtEnd {
            let chunk = try reader.readUpTo(Self.chunkSize)
            try await storage.set(chunk, for: Self.chunkKey(digest, index))
            index += 1
            size += chunk.count
        }
        let manifest = Manifest(size: size, chunkSize: Self.chunkSize, storedAt: clock())
        try await storage.set(try JSONEncoder().encode(manifest), for: "blob:\(digest)")
    }

    public func info(_ digest: String) async throws -> BlobInfo? {
        try await manifest(digest).map { BlobInfo(size: $0.size, storedAt: $0.storedAt) }
    }

    public func read(_ digest: String, range: Range<Int>) async throws -> Data {
        guard let manifest = try await manifest(digest) else { throw CocoaError(.fileNoSuchFile) }
        let clamped = range.clamped(to: 0..<manifest.size)
        guard !clamped.isEmpty else { return Data() }
        var data = Data()
        for index in (clamped.lowerBound / manifest.chunkSize)...((clamped.upperBound - 1) / manifest.chunkSize) {
            guard let chunk = try await storage.value(for: Self.chunkKey(digest, index)) else { throw CocoaError(.fileReadCorruptFile) }
            let start = index * manifest.chunkSize
            guard start + chunk.count >= min(clamped.upperBound, start + manifest.chunkSize) else { throw CocoaError(.fileReadCorruptFile) }
            let wanted = max(clamped.lowerBound, start)..<min(clamped.upperBound, start + chunk.count)
            data.append(chunk.subdata(in: (wanted.lowerBound - start)..<(wanted.upperBound - start)))
        }
        return data
    }

    public func delete(_ digest: String) async throws {
        guard digest.isDigest else { throw InvalidDigest() }
        try await storage.remove("blob:\(digest)")
        for key in try await storage.keys(prefix: "blobchunk:\(digest):") { try await storage.remove(key) }
    }

    public func digests() async throws -> [String] {
        try await storage.keys(prefix: "blob:").map { String($0.dropFirst("blob:".count)) }.filter(\.isDigest)
    }

    /// Removes chunks whose blob has no manifest (an adoption cut short), except those of
    /// `inFlight` digests. Returns how many blobs' chunks went.
    func sweepChunks(except inFlight: Set<String>) async throws -> Int {
        let owners = Set(try await storage.keys(prefix: "blobchunk:").compactMap { $0.split(separator: ":").dropFirst().first.map(String.init) })
        var swept = 0
        for digest in owners.subtracting(inFlight) where try await manifest(digest) == nil {
            try await delete(digest)
            swept += 1
        }
        return swept
    }

    private func manifest(_ digest: String) async throws -> Manifest? {
        guard digest.isDigest else { throw InvalidDigest() }
        return try await storage.value(for: "blob:\(digest)").map { try JSONDecoder().decode(Manifest.self, from: $0) }
    }

    static func chunkKey(_ digest: String, _ index: Int) -> String { "blobchunk:\(digest):\(String(format: "%08d", index))" }
}
