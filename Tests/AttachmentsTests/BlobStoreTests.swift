@testable import Attachments
import PluginAPI
import PluginTesting
import XCTest

/// Both drivers meet the same contract: content-addressed, idempotent, ranged reads, deletion.
final class BlobStoreTests: XCTestCase {
    var directory: URL { temporary.url }
    let temporary = TemporaryDirectory()

    func drivers() throws -> [any BlobStore] {
        [try FileSystemBlobStore(root: directory.appendingPathComponent("fs")),
         DatabaseBlobStore(storage: InMemoryPluginStorage(), clock: { Date() })]
    }

    func file(_ data: Data) throws -> (URL, String) {
        let url = directory.appendingPathComponent("tmp-\(UUID().uuidString)")
        try data.write(to: url)
        return (url, SHA256.hash(data).hexDigits)
    }

    func testStoresReadsRangesAndDeletesOnEveryDriver() async throws {
        let content = Data((0..<600_000).map { UInt8(truncatingIfNeeded: $0 * 31) })     // spans database chunks
        for store in try drivers() {
            let (url, digest) = try file(content)
            try await store.adopt(url, digest: digest)
            XCTAssertFalse(FileManager.default.fileExists(atPath: url.path), "\(store): the temp file is consumed")
            expectEqual(try await store.info(digest)?.size, content.count)
            expectEqual(try await store.digests(), [digest])
            expectEqual(try await store.read(digest, range: 0..<content.count), content)
            expectEqual(try await store.read(digest, range: 262_140..<262_150), content.subdata(in: 262_140..<262_150))
            let (again, _) = try file(content)
            try await store.adopt(again, digest: digest)
            expectEqual(try await store.digests(), [digest], "\(store): the same content is stored once")
            try await store.delete(digest)
            expectNil(try await store.info(digest))
            expectEqual(try await store.digests(), [])
        }
    }

    func testRefusesNamesThatAreNotDigests() async throws {
        for store in try drivers() {
            do {
                _ = try await store.read("../../etc/passwd", range: 0..<10)
                XCTFail("\(store) read a path")
            } catch {}
        }
    }

    func testTheDatabaseDriverSweepsChunksOfAnInterruptedBlob() async throws {
        let storage = InMemoryPluginStorage()
        let store = DatabaseBlobStore(storage: storage, clock: { Date() })
        let digest = String(repeating: "ab", count: 32)
        try await storage.set(Data([1, 2, 3]), for: DatabaseBlobStore.chunkKey(digest, 0))     // a crash before the manifest
        expectEqual(try await store.digests(), [])
        expectEqual(try await store.sweepChunks(except: []), 1)
        expectEqual(await storage.keys(prefix: ""), [])
    }
}
