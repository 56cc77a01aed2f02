import Foundation
import Synchronization

/// A timer the test fires by hand: code that sleeps on it (a long-poll deadline, say) wakes when
/// the test calls ``fire()``, or when its task is cancelled — never by wall-clock time.
public final class ManualTimer: Sendable {
    private struct State {
        var nextID = 0
        var sleepers: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelledEarly: Set<Int> = []
    }
    private let state = Mutex(State())

    /// A timer with nobody sleeping on it.
    public init() {}

    /// Sleeps until ``fire()`` (the duration is ignored) or cancellation.
    @Sendable public func sleep(_ duration: Duration) async {
        let id = state.withLock { s in s.nextID += 1; return s.nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { s in
                    if s.cancelledEarly.remove(id) != nil { return true }
                    s.sleepers[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { s in
                if let c = s.sleepers.removeValue(forKey: id) { return Optional(c) }
                s.cancelledEarly.insert(id)
                return nil
            }
            continuation?.resume()
        }
    }

    /// How many sleepers are waiting now.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// Wakes every sleeper.
    public func fire() {
        let continuations = state.withLock { s in
            defer { s.sleepers = [:] }
            return Array(s.sleepers.values)
        }
        continuations.forEach { $0.resume() }
    }

    /// Waits (yielding, not sleeping) until `count` sleepers are waiting.
    public func waitForSleepers(_ count: Int = 1) async {
        while sleeping < count { await Task.yield() }
    }
}
