import Foundation

/// How a hook call under a time budget ended.
public enum DeadlineOutcome<Value: Sendable>: Sendable {
    /// The operation returned this value within the budget.
    case value(Value)
    /// The operation threw this error within the budget.
    case failed(any Error)
    /// The budget passed first; the operation was cancelled and its result is discarded.
    case timedOut
}

/// Runs hook calls under a time budget (the host also uses it for its own bounded waits).
public enum Deadline {
    /// Runs `operation`, returning its result or `.timedOut` once `budget` has passed.
    ///
    /// The operation starts immediately on the caller's thread (`Task.immediate`), so a hook that
    /// answers without suspending costs well under a microsecond and no thread hop. Once it
    /// suspends, the caller waits for the first of its result and the deadline: at the deadline
    /// the operation is cancelled and its result discarded, even if it ignores cancellation (a
    /// task group would wait for it — a request must not). An operation that blocks its thread
    /// without suspending breaks the hook contract: it holds the caller until it returns, and its
    /// result still counts as timed out. Deadlines are kept by one watchdog thread, not a
    /// sleeping task per call.
    public static func run<Value: Sendable>(within budget: Duration,
                                            _ operation: @escaping @Sendable () async throws -> Value) async -> DeadlineOutcome<Value> {
        let race = Race<Value>()
        return await withCheckedContinuation { continuation in
            race.start(continuation)
            let work = Task.immediate {
                do { race.finish(.value(try await operation())) } catch { race.finish(.failed(error)) }
            }
            // A hook that answered without suspending needs no deadline.
            if race.track(work) { Watchdog.shared.schedule(after: budget) { race.finish(.timedOut) } }
        }
    }
}

/// One thread that fires every deadline: cheaper than a sleeping task per hook call, which
/// matters at hundreds of thousands of hook calls per second.
final class Watchdog: @unchecked Sendable {
    static let shared = Watchdog()

    private struct Entry {
        let due: UInt64
        let fire: @Sendable () -> Void
    }
    private let condition = NSCondition()
    private var heap: [Entry] = []

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "sanctum-hook-watchdog"
        thread.start()
    }

    /// Calls `fire` once `delay` has passed (a no-op for races already finished).
    func schedule(after delay: Duration, _ fire: @escaping @Sendable () -> Void) {
        let (seconds, attoseconds) = delay.components
        let nanos = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        let entry = Entry(due: DispatchTime.now().uptimeNanoseconds &+ nanos, fire: fire)
        condition.lock()
        push(entry)
        if heap[0].due == entry.due { condition.signal() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while heap.isEmpty { condition.wait() }
            let now = DispatchTime.now().uptimeNanoseconds
            var due: [Entry] = []
            while let first = heap.first, first.due <= now { due.append(pop()) }
            if due.isEmpty, let first = heap.first {
                let wait = Double(first.due - now) / 1e9
                _ = condition.wait(until: Date(timeIntervalSinceNow: wait))
            }
            condition.unlock()
            due.forEach { $0.fire() }
        }
    }

    private func push(_ entry: Entry) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[parent].due > heap[i].due else { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    private func pop() -> Entry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < heap.count, heap[l].due < heap[smallest].due { smallest = l }
                if r < heap.count, heap[r].due < heap[smallest].due { smallest = r }
                if smallest == i { break }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        return top
    }
}

/// The first of the operation and the watchdog to finish resumes the caller; a finish by the
/// watchdog cancels the operation.
private final class Race<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<DeadlineOutcome<Value>, Never>?
        var finished = false
        var work: Task<Void, Never>?
    }
    private let state = Locked(State())

    func start(_ continuation: CheckedContinuation<DeadlineOutcome<Value>, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Remembers the operation's task, to cancel at a timeout; returns whether the race is still running.
    func track(_ work: Task<Void, Never>) -> Bool {
        state.withLock { s in
            s.work = work
            return !s.finished
        }
    }

    func finish(_ outcome: DeadlineOutcome<Value>) {
        let taken: (CheckedContinuation<DeadlineOutcome<Value>, Never>, Task<Void, Never>?)? = state.withLock { s in
            guard !s.finished, let continuation = s.continuation else { return nil }
            s.finished = true
            s.continuation = nil
            return (continuation, s.work)
        }
        guard let (continuation, work) = taken else { return }
        work?.cancel()
        continuation.resume(returning: outcome)
    }
}
