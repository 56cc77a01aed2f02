import Foundation
import Synchronization

/// How a hook call under a time budget ended.
public enum DeadlineOutcome<Value: Sendable>: Sendable {
    case value(Value)
    case failed(any Error)
    case timedOut
}

/// Runs hook calls under a time budget.
public enum Deadline {
    /// Runs `operation`, returning its result or `.timedOut` once `budget` has passed.
    ///
    /// The caller always gets an answer at the deadline: the late operation is cancelled and its
    /// result discarded. (A task group would wait for a hook that ignores cancellation — a request
    /// must not.)
    public static func run<Value: Sendable>(within budget: Duration,
                                            _ operation: @escaping @Sendable () async throws -> Value) async -> DeadlineOutcome<Value> {
        let race = Race<Value>()
        return await withCheckedContinuation { continuation in
            race.start(continuation)
            let work = Task {
                do { race.finish(.value(try await operation())) } catch { race.finish(.failed(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: budget)
                if !Task.isCancelled { race.finish(.timedOut) }
            }
            race.track([work, timer])
        }
    }
}

/// The first of the operation and the timer to finish resumes the caller and cancels the other.
private final class Race<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<DeadlineOutcome<Value>, Never>?
        var finished = false
        var tasks: [Task<Void, Never>] = []
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<DeadlineOutcome<Value>, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func track(_ tasks: [Task<Void, Never>]) {
        let finished = state.withLock { s in
            s.tasks = tasks
            return s.finished
        }
        if finished { tasks.forEach { $0.cancel() } }
    }

    func finish(_ outcome: DeadlineOutcome<Value>) {
        let taken: (CheckedContinuation<DeadlineOutcome<Value>, Never>, [Task<Void, Never>])? = state.withLock { s in
            guard !s.finished, let continuation = s.continuation else { return nil }
            s.finished = true
            s.continuation = nil
            return (continuation, s.tasks)
        }
        guard let (continuation, tasks) = taken else { return }
        tasks.forEach { $0.cancel() }
        continuation.resume(returning: outcome)
    }
}
