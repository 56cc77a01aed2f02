import Foundation
import XCTest
@testable import SanctumHost
@testable import SanctumServices

/// The queries of an agent's poll and of the console's conversation list use indexes: no scan
/// of a whole table and no sort, whatever the backlog or the number of conversations.
final class QueryPlanTests: XCTestCase {
    func testPollQueriesNeverScanTheMessagesTable() throws {
        try assertIndexed([
            (PendingQueries.counter, [.text("default")]),
            (PendingQueries.anyActiveLease, [.double(0)]),
            (PendingQueries.heldByLeases, [.text("default"), .double(0)]),
        ])
    }

    func testTheConversationListNeverScansNorSorts() throws {
        try assertIndexed([
            (ConversationQueries.page(filter: ""), [.int(20), .int(0)]),
            (ConversationQueries.page(filter: " WHERE s.site_id = ?"), [.text("default"), .int(20), .int(0)]),
            (ConversationQueries.lastMessage, [.text("session_a")]),
            (ConversationQueries.lastReply, [.text("session_a")]),
            (ConversationQueries.count(siteID: "default"), [.text("default")]),
        ])
    }

    func testASearchReadsOnlyItsMatches() throws {
        let search = " WHERE ((s.id >= ? AND s.id < ?) OR (s.uid >= ? AND s.uid < ?))"
        let prefix: [SQLValue] = [.text("session_a"), .text("session_a\u{10FFFF}"), .text("session_a"), .text("session_a\u{10FFFF}")]
        // The matches are sorted (few by construction); the table is never scanned.
        try assertIndexed([(ConversationQueries.page(filter: search), prefix + [.int(20), .int(0)])], allowSort: true)
    }

    /// Fails when a query's plan scans a table without an index, or sorts (unless allowed).
    private func assertIndexed(_ queries: [(String, [SQLValue])], allowSort: Bool = false,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try SQLiteConnection(path: temporaryDatabase())
        try Schema.migrate(c)
        for (query, bindings) in queries {
            let plan = try c.query("EXPLAIN QUERY PLAN " + query, bindings) { $0.text(3) ?? "" }
            for step in plan {
                XCTAssertFalse(step.hasPrefix("SCAN") && !step.contains("INDEX"), "\(query)\n→ \(step)", file: file, line: line)
                if !allowSort { XCTAssertFalse(step.contains("TEMP B-TREE"), "\(query)\n→ \(step)", file: file, line: line) }
            }
        }
    }
}
