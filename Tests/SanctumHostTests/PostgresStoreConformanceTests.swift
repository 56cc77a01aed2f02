import Foundation
import SanctumServices
import StoreConformance
import XCTest
@testable import SanctumHost

/// The PostgreSQL driver keeps every promise of the storage seam, each check on a fresh database
/// of the run's throwaway cluster (scripts/postgres-test-cluster).
final class PostgresStoreConformanceTests: XCTestCase {
    func testConformance() async throws {
        let cluster = try PostgresTestCluster()
        try await StoreConformance { sink in
            await cluster.shutdownAll()
            return try await cluster.open(try await cluster.createDatabase(), eventSink: sink)
        }.run()
        await cluster.shutdownAll()
    }
}
