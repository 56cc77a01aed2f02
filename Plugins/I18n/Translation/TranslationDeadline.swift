import Foundation
import Synchronization

/// Runs a provider call against a deadline that holds even when the call ignores cancellation:
/// at the deadline the caller gets `.timedOut` at once and the call is cancelled.
enum TranslationDeadline {
    /// How a call ended.
    enum Outcome<Value: Sendable>: Sendable {
        /// It answered in time.
        case value(Value)
        /// It threw in time.
        case failed(any Error)
        /// The deadline passed first.
        case timedOut
    }

    /// `work`'s outcome, or `.timedOut` once `limit` has passed.
    static func run<Value: Sendable>(within limit: Duration,
                                     _ work: @escaping @Sendable () async throws -> Value) async -> Outcome<Value> {
        guard limit > .zero else { return .timedOut }
        return await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            let worker = Task {
                do {
                    let value = try await work()
                    once.resume(.value(value))
                } catch {
                    once.resume(.failed(error))
                }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                if once.resume(.timedOut) { worker.cancel() }
            }
            once.onResume { timer.cancel() }
        }
    }

    /// Resumes a continuation exactly once, from whichever task comes first.
    private final class ResumeOnce<Value: Sendable>: Sendable {
        private let state: Mutex<(continuation: CheckedContinuation<Outcome<Value>, Never>?, done: (@Sendable () -> Void)?)>

        init(_ continuation: CheckedContinuation<Outcome<Value>, Never>) {
            state = Mutex((continuation, nil))
        }

        /// Resumes with `outcome` if nobody did yet; `true` if this call did.
        @discardableResult
        func resume(_ outcome: Outcome<Value>) -> Bool {
            let (continuation, done) = state.withLock { state -> (CheckedContinuation<Outcome<Value>, Never>?, (@Sendable () -> Void)?) in
                defer { state.continuation = nil }
                return (state.continuation, state.done)
            }
            guard let continuation else { return false }
            continuation.resume(returning: outcome)
            done?()
            return true
        }

        /// Runs `action` after the resumption (at once if it already happened).
        func onResume(_ action: @escaping @Sendable () -> Void) {
            let resumed = state.withLock { state -> Bool in
                if state.continuation == nil { return true }
                state.done = action
                return false
            }
            if resumed { action() }
        }
    }
}
