import Foundation
import Synchronization
import XCTest
import SanctumServices

/// The storage driver conformance suite: the semantics every ``ChatStore`` driver must keep.
///
/// A driver joins with one small test file:
///
/// ```swift
/// final class MyDriverConformanceTests: XCTestCase {
///     func testConformance() async throws {
///         try await StoreConformance { sink in try await MyDriver(…, eventSink: sink) }.run()
///     }
/// }
/// ```
///
/// Each check gets a fresh, empty store from the factory and drives time through the `now`
/// arguments, so nothing here sleeps. A failure names its check.
public struct StoreConformance: Sendable {
    /// Makes an empty store whose committed events go to the given sink.
    public typealias Factory = @Sendable (_ eventSink: @escaping @Sendable ([ChatEvent]) -> Void) async throws -> any ChatStore

    /// A clock reading far from any real one, so drivers cannot lean on the wall clock.
    static let start = Date(timeIntervalSince1970: 1_900_000_000)

    private let make: Factory

    /// A suite over stores made by `make`.
    public init(_ make: @escaping Factory) {
        self.make = make
    }

    /// Every check, by name.
    public static let checks: [(name: String, run: @Sendable (StoreUnderTest) async throws -> Void)] = [
        ("at-most-once take", atMostOnceTake),
        ("inbox order, pagination and since", inboxOrderAndPagination),
        ("lease hides, redelivers, keeps conversation order", leaseOrderAndRedelivery),
        ("ack ends a lease for good", acknowledgement),
        ("idempotency keys", idempotencyKeys),
        ("text is stored exactly", textStoredExactly),
        ("message metadata round-trips", metadataRoundTrip),
        ("site isolation", siteIsolation),
        ("events in commit order with per-conversation sequence", eventsInCommitOrder),
        ("read positions move forward only", readPositions),
        ("event retention", eventRetention),
        ("idle-session cleanup and tombstones", idleCleanup),
        ("console queries", consoleQueries),
        ("configuration and site keys", configurationAndKeys),
        ("plugin storage", pluginStorage),
        ("plugin storage: 50 parallel increments lose nothing", parallelIncrements),
        ("plugin storage: atomic update", pluginUpdate),
        ("plugin storage: atomic batches", pluginBatch),
        ("plugin storage: expiry on the injected clock", pluginExpiry),
        ("verified users and their conversations", verifiedUsers),
        ("clear all", clearAll),
        ("erase conversations", eraseConversations),
        ("retention candidates", retentionCandidates),
        ("idle cleanup tells plugins", cleanupTellsPlugins),
        ("a bare poll creates nothing", pollCreatesNothing),
    ]

    /// Runs every check on a fresh store; a failing check is reported with its name.
    public func run(file: StaticString = #filePath, line: UInt = #line) async throws {
        for check in Self.checks {
            let store = try await StoreUnderTest(make: make, name: check.name, file: file, line: line)
            do {
                try await check.run(store)
            } catch {
                XCTFail("[\(check.name)] threw \(String(reflecting: error))", file: file, line: line)
            }
        }
    }
}

/// A store made for one check, with the events its sink received and assertion helpers that
/// name the check.
public final class StoreUnderTest: Sendable {
    let store: any ChatStore
    let name: String
    let file: StaticString
    let line: UInt
    private let log: EventLog

    init(make: StoreConformance.Factory, name: String, file: StaticString, line: UInt) async throws {
        self.name = name
        self.file = file
        self.line = line
        let log = EventLog()
        self.log = log
        self.store = try await make { events in log.events.withLock { $0 += events } }
    }

    /// Events the store handed to its sink so far, in the order it did.
    var publishedEvents: [ChatEvent] { log.events.withLock { $0 } }

    /// The events handed to the sink once `condition` holds for them (or after 5 seconds): a
    /// driver may publish its commits from the log just after the write returns (PostgreSQL).
    func publishedEvents(when condition: ([ChatEvent]) -> Bool) async throws -> [ChatEvent] {
        for _ in 0..<500 where !condition(publishedEvents) { try await Task.sleep(for: .milliseconds(10)) }
        return publishedEvents
    }

    func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { XCTFail("[\(name)] \(message())", file: file, line: line) }
    }

    func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ message: @autoclosure () -> String = "") {
        if actual != expected { XCTFail("[\(name)] \(message()): got \(actual), expected \(expected)", file: file, line: line) }
    }

    /// Expects `body` to throw exactly `refusal`.
    func expectRefusal(_ refusal: StoreRefusal, _ message: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            XCTFail("[\(name)] \(message): no error, expected \(refusal)", file: file, line: line)
        } catch let error as StoreRefusal {
            expectEqual(error, refusal, message)
        } catch {
            XCTFail("[\(name)] \(message): threw \(error), expected \(refusal)", file: file, line: line)
        }
    }
}

/// The clock of a check: `at(10)` is ten seconds after the suite's start.
func at(_ seconds: TimeInterval) -> Date { StoreConformance.start.addingTimeInterval(seconds) }

/// The events a store's sink received.
private final class EventLog: Sendable {
    let events = Mutex<[ChatEvent]>([])
}
