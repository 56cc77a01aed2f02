import Foundation
import SanctumServices
import StoreConformance
import XCTest
@testable import SanctumHost

/// The SQLite driver keeps every promise of the storage seam, on a real database file.
final class SQLiteStoreConformanceTests: XCTestCase {
    func testConformance() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sanctum-conformance-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let stores = Stores()
        try await StoreConformance { sink in
            let store = try await SanctumServer.openStore(path: folder.appendingPathComponent("\(UUID().uuidString).db").path, eventSink: sink)
            stores.append(store)
            return store
        }.run()
        stores.closeAll()
    }
}

/// The databases a test opened, closed at its end.
private final class Stores: @unchecked Sendable {
    private var opened: [SQLiteChatStore] = []
    private let lock = NSLock()
    func append(_ store: SQLiteChatStore) { lock.withLock { opened.append(store) } }
    func closeAll() { lock.withLock { opened.forEach { $0.database.close() } } }
}
