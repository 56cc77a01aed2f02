import Foundation

/// A content-addressed store of immutable files ("blobs"), named by the lowercase hex SHA-256 of
/// their bytes. Drivers: ``FileSystemBlobStore`` and ``DatabaseBlobStore``.
///
/// Implementers must make ``adopt(_:digest:)`` atomic — after a crash a blob is either whole or
/// absent, never half written — and idempotent (adopting content that exists keeps one copy and
/// refreshes its ``BlobInfo/storedAt``, so the collector leaves it alone).
public protocol BlobStore: Sendable {
    /// Moves the finished, fsynced file at `file` into the store as `digest` (the file is gone
    /// afterwards, or kept by the caller's cleanup when the store copies it).
    func adopt(_ file: URL, digest: String) async throws
    /// The blob's size and age, or `nil` when it is absent.
    func info(_ digest: String) async throws -> BlobInfo?
    /// The bytes of `range` of the blob (clamped to its size).
    func read(_ digest: String, range: Range<Int>) async throws -> Data
    /// Deletes the blob; nothing happens when it is absent.
    func delete(_ digest: String) async throws
    /// Every blob stored.
    func digests() async throws -> [String]
}

/// What a store knows about a blob.
public struct BlobInfo: Sendable, Equatable, Codable {
    /// Bytes.
    public var size: Int
    /// When it was stored or last adopted again.
    public var storedAt: Date

    /// A blob's facts.
    public init(size: Int, storedAt: Date) {
        self.size = size
        self.storedAt = storedAt
    }
}

/// A digest that is not 64 lowercase hex digits (never a path or key fragment).
struct InvalidDigest: Error {}

extension String {
    /// Whether this is a SHA-256 digest in lowercase hex: safe to use as a file name or key.
    var isDigest: Bool { utf8.count == 64 && utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }
}
