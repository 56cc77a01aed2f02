import Foundation
import PluginAPI
import SanctumServices

/// The plugin-storage checks of ``StoreConformance``: the driver's rows, and `PluginStorage` as a
/// plugin sees it through the host (`StorePluginStorage`, on a ``TestClock``).
extension StoreConformance {
    @Sendable static func pluginStorage(_ t: StoreUnderTest) async throws {
        try await t.store.setPluginValue(pluginID: "p", key: "b", value: Data([2]), expiresAt: nil, now: at(0))
        try await t.store.setPluginValue(pluginID: "p", key: "a/1", value: Data([1]), expiresAt: nil, now: at(0))
        try await t.store.setPluginValue(pluginID: "p", key: "a/2", value: Data([0, 255]), expiresAt: nil, now: at(0))
        try await t.store.setPluginValue(pluginID: "q", key: "a/3", value: Data([3]), expiresAt: nil, now: at(0))
        t.expectEqual(try await t.store.pluginValue(pluginID: "p", key: "a/2", now: at(0)), Data([0, 255]), "bytes round-trip")
        t.expectEqual(try await t.store.pluginKeys(pluginID: "p", prefix: "a/", now: at(0)), ["a/1", "a/2"], "prefix, sorted, own namespace")
        t.expectEqual(try await t.store.pluginValue(pluginID: "q", key: "b", now: at(0)), nil, "plugins cannot see each other")
        try await t.store.setPluginValue(pluginID: "p", key: "b", value: nil, expiresAt: nil, now: at(1))
        t.expectEqual(try await t.store.pluginKeys(pluginID: "p", prefix: "", now: at(1)), ["a/1", "a/2"], "removal")
    }

    @Sendable static func parallelIncrements(_ t: StoreUnderTest) async throws {
        let storage = StorePluginStorage(pluginID: "p", store: t.store, clock: TestClock().read)
        let results = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<50 { group.addTask { try await storage.increment("hits") } }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        t.expectEqual(try await storage.counter("hits"), 50, "every increment counted")
        t.expectEqual(results.sorted(), Array(1...50), "each increment saw its own new value")
        t.expectEqual(try await storage.value(for: "hits"), Data("50".utf8), "a counter is stored as its decimal digits")
        t.expectEqual(try await storage.increment("hits", by: -8), 42, "negative amounts")
        try await storage.set(Data("ten".utf8), for: "text")
        do {
            try await storage.increment("text")
            t.expect(false, "incrementing text throws")
        } catch PluginStorageError.notACounter(let key) {
            t.expectEqual(key, "text", "notACounter names the key")
        }
        t.expectEqual(try await storage.value(for: "text"), Data("ten".utf8), "a refused increment changes nothing")
    }

    @Sendable static func pluginUpdate(_ t: StoreUnderTest) async throws {
        let storage = StorePluginStorage(pluginID: "p", store: t.store, clock: TestClock().read)
        let created = try await storage.update("list") { old in
            (old ?? Data()) + Data("a".utf8)
        }
        t.expectEqual(created, Data("a".utf8), "update creates an absent key and returns the new value")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 { group.addTask { _ = try await storage.update("list") { ($0 ?? Data()) + Data("b".utf8) } } }
            try await group.waitForAll()
        }
        t.expectEqual(try await storage.value(for: "list"), Data(("a" + String(repeating: "b", count: 20)).utf8), "concurrent updates all apply")
        struct Refused: Error {}
        do {
            try await storage.update("list") { _ in throw Refused() }
            t.expect(false, "the transform's error is rethrown")
        } catch is Refused {}
        t.expectEqual(try await storage.value(for: "list")?.count, 21, "a throwing transform changes nothing")
        t.expectEqual(try await storage.update("list") { _ in nil }, nil, "answering nil")
        t.expectEqual(try await storage.keys(prefix: ""), [], "removes the key")
        do {
            try await storage.update(String(repeating: "k", count: 257)) { _ in Data() }
            t.expect(false, "a long key throws")
        } catch PluginStorageError.keyTooLong {}
    }

    @Sendable static func pluginExpiry(_ t: StoreUnderTest) async throws {
        let clock = TestClock(start: at(0))
        let storage = StorePluginStorage(pluginID: "p", store: t.store, clock: clock.read)
        try await storage.set(Data("s".utf8), for: "session", expiresAfter: .seconds(60))
        try await storage.set(Data("f".utf8), for: "forever")
        t.expectEqual(try await storage.increment("window", expiresAfter: .seconds(10)), 1, "a counter with a window")
        clock.advance(5)
        t.expectEqual(try await storage.increment("window", expiresAfter: .seconds(10)), 2, "later increments count in the same window")
        clock.advance(4.5)
        t.expectEqual(try await storage.keys(prefix: ""), ["forever", "session", "window"], "nothing expired yet")
        clock.advance(0.5)
        t.expectEqual(try await storage.counter("window"), 0, "the window's expiry was set by its first increment")
        t.expectEqual(try await storage.keys(prefix: ""), ["forever", "session"], "expired keys are not listed")
        t.expectEqual(try await storage.increment("window", expiresAfter: .seconds(10)), 1, "an expired counter starts again")
        clock.advance(50)
        t.expectEqual(try await storage.value(for: "session"), nil, "gone at its expiry")
        t.expectEqual(try await storage.update("session") { old in old ?? Data("new".utf8) }, Data("new".utf8), "update sees an expired key as absent")
        clock.advance(1000)
        t.expectEqual(try await storage.value(for: "session"), Data("new".utf8), "a key created by update without a time to live never expires")
        try await storage.set(Data("f2".utf8), for: "forever", expiresAfter: .seconds(1))
        try await storage.set(Data("f3".utf8), for: "forever")
        clock.advance(2)
        t.expectEqual(try await storage.value(for: "forever"), Data("f3".utf8), "set without a time to live clears the expiry")
        t.expectEqual(try await t.store.pluginValue(pluginID: "p", key: "window", now: at(0)), nil, "expired rows were deleted by a later write")
        try await storage.set(Data("t".utf8), for: "token", expiresAfter: .seconds(5))
        let other = StorePluginStorage(pluginID: "q", store: t.store, clock: clock.read)
        try await other.set(Data("o".utf8), for: "old", expiresAfter: .seconds(5))
        try await other.set(Data("k".utf8), for: "kept")
        clock.advance(5)
        t.expectEqual(try await t.store.purgeExpiredPluginValues(now: clock.now), 2, "the sweep deletes every plugin's expired values")
        t.expectEqual(try await t.store.pluginValue(pluginID: "q", key: "old", now: at(0)), nil, "gone even for a clock that reads earlier")
        t.expectEqual(try await other.keys(prefix: ""), ["kept"])
        t.expectEqual(try await storage.keys(prefix: ""), ["forever", "session"])
        do {
            try await storage.set(Data(), for: "x", expiresAfter: .zero)
            t.expect(false, "a zero time to live throws")
        } catch PluginStorageError.invalidTimeToLive {}
    }
}

extension StoreConformance {
    @Sendable static func pluginBatch(_ t: StoreUnderTest) async throws {
        let clock = TestClock()
        let storage = StorePluginStorage(pluginID: "p", store: t.store, clock: clock.read)
        try await storage.set(Data("queued".utf8), for: "pending/1")
        let results = try await storage.apply([
            .set(Data("done".utf8), for: "log/1", expiresAfter: .seconds(60)),
            .remove("pending/1"),
            .update("count") { _ in Data("1".utf8) },
            .update("count") { old in old.map { $0 + Data("+".utf8) } },
        ])
        t.expectEqual(results, [Data("done".utf8), nil, Data("1".utf8), Data("1+".utf8)], "each write's new value; a later write sees an earlier one")
        t.expectEqual(try await storage.keys(prefix: ""), ["count", "log/1"], "moved from pending to the log")
        struct Refused: Error {}
        do {
            try await storage.apply([.set(Data("x".utf8), for: "a"), .remove("count"), .update("log/1") { _ in throw Refused() }])
            t.expect(false, "a throwing transform's error is rethrown")
        } catch is Refused {}
        do {
            try await storage.apply([.set(Data("x".utf8), for: "a"), .set(Data(), for: String(repeating: "k", count: 257))])
            t.expect(false, "a key over the limit is refused")
        } catch PluginStorageError.keyTooLong {}
        t.expectEqual(try await storage.keys(prefix: ""), ["count", "log/1"], "a refused batch changes nothing")
        clock.advance(61)
        t.expectEqual(try await storage.keys(prefix: ""), ["count"], "a batch's time to live applies")
        let concurrent = try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { try await storage.apply([.update("a") { ($0 ?? Data()) + Data("a".utf8) }, .update("b") { ($0 ?? Data()) + Data("b".utf8) }]) }
            }
            try await group.waitForAll()
            return try await storage.apply([.update("a") { $0 }, .update("b") { $0 }])
        }
        t.expectEqual(concurrent.map { $0?.count }, [20, 20], "concurrent batches all apply")
    }
}
