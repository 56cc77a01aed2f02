import Foundation
import Logging
import PluginAPI
import PluginTesting
import Synchronization
import XCTest
@testable import SanctumServices

/// Durable event subscriptions over the in-memory driver: the sites whose tier enables the
/// plugin, the subscription's types, commit order, at least once (a failed batch comes again
/// after the backoff), and the cursor surviving a restart.
final class PluginSubscriptionsTests: XCTestCase {
    /// A plugin that only subscribes.
    struct Subscriber: Plugin {
        static let descriptor = PluginDescriptor(id: "hooks", version: "1.0.0", capabilities: [.subscribeEvents], summary: "test")
        init(configuration: NoConfiguration) {}
        func activate(host: any PluginHost) async throws -> PluginContributions { PluginContributions() }
    }

    /// What the handler saw, and how many calls still fail.
    final class Recorder: Sendable {
        private let state: Mutex<(batches: [[LoggedEvent]], failuresLeft: Int)>
        init(failing: Int = 0) { state = Mutex(([], failing)) }
        var batches: [[LoggedEvent]] { state.withLock { $0.batches } }

        func handle(_ batch: [LoggedEvent]) throws {
            try state.withLock { s in
                if s.failuresLeft > 0 { s.failuresLeft -= 1; throw URLError(.timedOut) }
                s.batches.append(batch)
            }
        }
    }

    /// The backoff delays the runner asked for (it does not really wait).
    final class Delays: Sendable {
        private let list = Mutex<[Duration]>([])
        var all: [Duration] { list.withLock { $0 } }
        func append(_ delay: Duration) { list.withLock { $0.append(delay) } }
    }

    struct Setup {
        let fixture: ServiceFixture
        let runner: PluginSubscriptions
        let subscription: EventSubscription
        let delays: Delays
    }

    func setUp(types: Set<String> = ["message"], start: EventSubscription.Start = .oldestRetained, recorder: Recorder) -> Setup {
        let subscription = EventSubscription("webhooks", types: types, start: start) { try recorder.handle($0) }
        let entry = PluginRuntime.Entry(id: "hooks", plugin: Subscriber(configuration: NoConfiguration()), host: MockHost(),
                                        contributions: PluginContributions(subscriptions: [subscription]))
        let fixture = ServiceFixture(plugins: [entry])
        let delays = Delays()
        var logger = Logger(label: "subscriptions-test")
        logger.logLevel = .critical
        let runner = PluginSubscriptions(services: fixture.services, logger: logger) { delays.append($0) }
        return Setup(fixture: fixture, runner: runner, subscription: subscription, delays: delays)
    }

    /// Runs the subscription until `done` holds (checked between short pauses, at most 10 s), then stops it.
    func follow(_ setup: Setup, until done: @escaping () -> Bool) async throws {
        let task = Task { await setup.runner.follow(setup.subscription, of: "hooks") }
        defer { task.cancel() }
        for _ in 0..<2000 where !done() { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertTrue(done(), "the subscription did not deliver")
        task.cancel()
        await task.value
    }

    func texts(_ batches: [[LoggedEvent]]) -> [String] {
        batches.flatMap { $0 }.map { event in
            let data = try? JSONSerialization.jsonObject(with: event.data) as? [String: Any]
            return data?["text"] as? String ?? "?"
        }
    }

    func testDeliversTheEnabledSitesMessagesInOrderAtLeastOnceAndResumesAfterARestart() async throws {
        let recorder = Recorder(failing: 1)
        let setup = setUp(recorder: recorder)
        try await setup.fixture.post("session_a", "one")
        try await setup.fixture.post("session_b", "elsewhere", site: setup.fixture.acme)
        try await setup.fixture.post("session_a", "two")

        try await follow(setup) { recorder.batches.count == 1 }
        XCTAssertEqual(texts(recorder.batches), ["one", "two"], "acme does not enable the plugin; only message events were asked for")
        XCTAssertEqual(recorder.batches[0].map(\.siteID), [defaultSiteID, defaultSiteID])
        XCTAssertEqual(recorder.batches[0].map(\.type), ["message", "message"])
        XCTAssertEqual(setup.delays.all, [.seconds(1)], "the failed batch came again after the first backoff")

        try await setup.fixture.post("session_a", "three")
        try await follow(setup) { recorder.batches.count == 2 }
        XCTAssertEqual(texts([recorder.batches[1]]), ["three"], "a restarted subscription resumes from its stored cursor")
    }

    func testANewSubscriptionStartsWithTheNewestEventsByDefault() async throws {
        let recorder = Recorder()
        let setup = setUp(start: .newest, recorder: recorder)
        try await setup.fixture.post("session_a", "before")
        let task = Task { await setup.runner.follow(setup.subscription, of: "hooks") }
        for _ in 0..<2000 {
            if try await setup.fixture.store.pluginValue(pluginID: "hooks:subscriptions", key: "webhooks", now: Date()) != nil { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        try await setup.fixture.post("session_a", "after")
        for _ in 0..<2000 where recorder.batches.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        await task.value
        XCTAssertEqual(texts(recorder.batches), ["after"])
    }

    func testEventsPurgedBeforeTheSubscriptionReadThemAreSkipped() async throws {
        let recorder = Recorder()
        let setup = setUp(types: [], recorder: recorder)
        try await setup.fixture.post("session_a", "old one")
        try await setup.fixture.post("session_a", "old two")
        try await setup.fixture.store.setPluginValue(pluginID: "hooks:subscriptions", key: "webhooks", value: Data("1".utf8), expiresAt: nil, now: Date())
        setup.fixture.clock.advance(3600)
        _ = try await setup.fixture.store.purgeEvents(olderThan: setup.fixture.clock.now, typingOlderThan: setup.fixture.clock.now)
        try await setup.fixture.post("session_a", "new")

        try await follow(setup) { !recorder.batches.isEmpty }
        XCTAssertEqual(texts(recorder.batches), ["new"])
    }

    func testTwoInstancesOnOneStoreRunASubscriptionOneAtATimeAndTheOtherTakesOver() async throws {
        let recorder = Recorder()
        let first = setUp(recorder: recorder)
        var logger = Logger(label: "subscriptions-test")
        logger.logLevel = .critical
        let second = PluginSubscriptions(services: first.fixture.services, logger: logger) { _ in }
        try await first.fixture.post("session_a", "one")
        let running = Task { await first.runner.follow(first.subscription, of: "hooks") }
        for _ in 0..<2000 where recorder.batches.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        let standing = Task { await second.follow(first.subscription, of: "hooks") }
        for text in ["two", "three"] { try await first.fixture.post("session_a", text) }
        for _ in 0..<2000 where texts(recorder.batches).count < 3 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(texts(recorder.batches), ["one", "two", "three"], "the standby instance delivered nothing")
        running.cancel()
        await running.value
        try await first.fixture.post("session_a", "four")
        for _ in 0..<2000 where texts(recorder.batches).count < 4 { try await Task.sleep(for: .milliseconds(5)) }
        standing.cancel()
        await standing.value
        XCTAssertEqual(texts(recorder.batches), ["one", "two", "three", "four"], "the other instance took over from the stored cursor")
    }

    func testASubscriptionSeesTheStoredMetadataOfAMessage() async throws {
        let recorder = Recorder()
        let setup = setUp(recorder: recorder)
        let metadata: JSON = ["i18n": ["original": "hallo", "language": "de"]]
        _ = try await setup.fixture.store.postMessage(siteID: defaultSiteID, sessionID: "session_m", text: "HALLO", metadata: metadata,
                                                      clientMessageID: nil, ip: nil, now: Date())
        try await setup.fixture.post("session_m", "plain")
        try await follow(setup) { recorder.batches.flatMap { $0 }.count == 2 }
        let events = recorder.batches.flatMap { $0 }
        struct EventData: Decodable { var metadata: MessageMetadata? }
        let decoded = try events.map { try JSONDecoder().decode(EventData.self, from: $0.data).metadata }
        XCTAssertEqual(decoded, [MessageMetadata(["i18n": ["original": "hallo", "language": "de"]]), nil])
    }

    func testTheHarnessDeliversOnlyItsSitesEventsOfTheSubscribedTypes() async throws {
        let harness = try await HookHarness(Counter.self, configuration: NoConfiguration())
        var elsewhere = harness.event(3, type: "reply")
        elsewhere.siteID = "other"
        try await harness.deliver([harness.event(1, type: "message"), harness.event(2, type: "reply"), elsewhere], to: "count")
        XCTAssertEqual(Counter.seen.withLock { $0 }, [2])
        let failures = await PluginConformance.check(Counter.self, configuration: NoConfiguration())
        XCTAssertEqual(failures, [], "subscribe-events is declared and used")
    }
}

/// Counts the reply events its subscription receives.
private struct Counter: Plugin {
    static let descriptor = PluginDescriptor(id: "counter", version: "1.0.0", capabilities: [.subscribeEvents], summary: "test")
    static let seen = Mutex<[Int64]>([])
    init(configuration: NoConfiguration) {}
    func activate(host: any PluginHost) async throws -> PluginContributions {
        PluginContributions(subscriptions: [EventSubscription("count", types: ["reply"]) { batch in Self.seen.withLock { $0 += batch.map(\.id) } }])
    }
}
