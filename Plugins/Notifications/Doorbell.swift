import Foundation
import Synchronization

/// Wakes a waiting worker early: rung when deliveries are queued or one finishes, so new work
/// starts at once instead of at the next poll.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Wakes the waiter, or the next one to wait when none is waiting.
    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            if state.waiter == nil { state.rung = true }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether a ring is kept for the next wait (tests).
    var isRung: Bool { state.withLock { $0.rung } }

    /// Returns when rung (at once if rung since the last wait), after `timeout`, or when cancelled.
    func wait(upTo timeout: Duration) async {
        let timer = Task { [weak self] in
            // A timer cancelled because the wait ended early must not ring: its ring would be
            // kept for the next wait, which would return at once and leave another such timer,
            // so an idle worker would spin.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.ring()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            ring()
        }
    }
}
