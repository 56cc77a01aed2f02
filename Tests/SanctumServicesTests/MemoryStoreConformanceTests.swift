import StoreConformance
import SanctumServices
import XCTest

/// The in-memory driver keeps every promise of the storage seam.
final class MemoryStoreConformanceTests: XCTestCase {
    func testConformance() async throws {
        try await StoreConformance { sink in MemoryChatStore(eventSink: sink) }.run()
    }
}
