import Foundation
import PluginAPI
import PluginTesting
import XCTest

/// `MockHost`'s storage keeps the server's semantics: atomic counters and updates, expiry on the
/// host's clock, the key limit. And its unexpected-call recorder is safe from many tasks.
final class MockHostStorageTests: XCTestCase {
    func testFiftyParallelIncrementsLoseNothing() async throws {
        let host = MockHost()
        let storage = host.allowStorage()
        let results = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<50 { group.addTask { try await storage.increment("hits") } }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        XCTAssertEqual(results.sorted(), Array(1...50))
        let total = try await host.storage.counter("hits")
        XCTAssertEqual(total, 50)
        let stored = try await host.storage.value(for: "hits")
        XCTAssertEqual(stored, Data("50".utf8), "stored as decimal digits, as by the server")
    }

    func testValuesExpireOnTheHostsClock() async throws {
        let host = MockHost()
        let storage = host.allowStorage()
        try await storage.set(Data("v".utf8), for: "short", expiresAfter: .seconds(30))
        try await storage.increment("window", expiresAfter: .seconds(60))
        host.advance(by: 29)
        let early = try await storage.keys(prefix: "")
        XCTAssertEqual(early, ["short", "window"])
        host.advance(by: 1)
        let short = try await storage.value(for: "short")
        XCTAssertNil(short, "gone at its expiry")
        let window = try await storage.increment("window", expiresAfter: .seconds(60))
        XCTAssertEqual(window, 2, "a later increment keeps the first one's window")
        host.advance(by: 30)
        let late = try await storage.keys(prefix: "")
        XCTAssertEqual(late, [], "expired keys are not listed")
    }

    func testUpdateIsAtomicAndItsErrorsChangeNothing() async throws {
        let storage = MockHost().allowStorage()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { _ = try await storage.update("seen") { ($0 ?? Data()) + Data([UInt8(index)]) } }
            }
            try await group.waitForAll()
        }
        let seen = try await storage.value(for: "seen")
        XCTAssertEqual(seen.map { Set($0) }, Set(0..<20))
        struct Refused: Error {}
        await XCTAssertThrowsErrorAsync(try await storage.update("seen") { _ in throw Refused() })
        let unchanged = try await storage.value(for: "seen")
        XCTAssertEqual(unchanged?.count, 20)
        await XCTAssertThrowsErrorAsync(try await storage.set(Data(), for: String(repeating: "k", count: 257)))
    }

    func testTheUnexpectedCallRecorderCollectsFromConcurrentTasks() async throws {
        let host = MockHost()
        let recorder = host.recordUnexpectedCalls()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<100 { group.addTask { await host.publish(PluginEvent(name: "x.\(index)")) } }
        }
        XCTAssertEqual(recorder.calls.count, 100)
        XCTAssertEqual(recorder.calls.first?.hasPrefix("publish(x."), true, recorder.calls.first ?? "")
    }
}

/// `XCTAssertThrowsError` for async expressions.
func XCTAssertThrowsErrorAsync<T>(_ expression: @autoclosure () async throws -> T, _ message: String = "",
                                  file: StaticString = #filePath, line: UInt = #line) async {
    do {
        _ = try await expression()
        XCTFail("no error thrown. \(message)", file: file, line: line)
    } catch {}
}
