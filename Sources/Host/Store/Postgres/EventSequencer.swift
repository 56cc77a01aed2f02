import Foundation
import Logging
import Synchronization

/// Moves the events writes queue into the log, many commits per run (``EventLog/sequence(limit:on:)``).
///
/// A write that queued events waits for ``sequence()``: for a run that started after its commit,
/// so once the write returns its events are in the log (read-your-writes for the replay). One run
/// at a time per instance; the writes that commit during a run share the next one, so under load
/// one run — one lock of the event counter, one `NOTIFY` — carries the events of many commits.
/// A run that fails (the database is away) releases its waiters, whose commits stand, and is
/// tried again until it succeeds. A sweep picks up what an instance that stopped between a
/// commit and its run left in the queue.
final class EventSequencer: Sendable {
    /// Wait before a failed run is tried again.
    static let retryDelay: Duration = .milliseconds(500)
    /// Between the sweep's looks at the queue.
    static let sweepInterval: Duration = .seconds(1)
    /// How long a run may take by default before it counts as failed (its writers are released
    /// and a new run may start; a statement on a connection the server dropped can go unanswered).
    static let defaultRunLimit: Duration = .seconds(5)

    private struct State {
        var running = false
        var requested = false
        var stopped = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let run: @Sendable () async throws -> Void
    private let runLimit: Duration
    private let logger: Logger
    private let sweeping = Mutex<Task<Void, Never>?>(nil)

    /// A sequencer whose `run` moves everything queued into the log (and publishes it) within
    /// `runLimit`, and whose sweep asks `queued` whether anything waits in the queue.
    init(run: @escaping @Sendable () async throws -> Void, queued: @escaping @Sendable () async throws -> Bool,
         runLimit: Duration = defaultRunLimit, logger: Logger) {
        self.run = run
        self.runLimit = runLimit
        self.logger = logger
        let sweep = Task { [weak self] in
            while (try? await Task.sleep(for: Self.sweepInterval)) != nil {
                guard let self else { return }
                if (try? await queued()) == true { self.kick() }
            }
        }
        sweeping.withLock { $0 = sweep }
    }

    /// Returns once a run that started after this call has ended (moved everything its snapshot
    /// saw, or failed); at once when the sequencer is stopped.
    func sequence() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !ask({ $0.waiting.append(continuation) }) { continuation.resume() }
        }
    }

    /// Asks for a run without waiting for it.
    func kick() {
        ask { $0.requested = true }
    }

    /// Applies `request` to the state and starts the run loop unless one is running; `false`
    /// (and nothing applied) when the sequencer is stopped.
    @discardableResult
    private func ask(_ request: (inout State) -> Void) -> Bool {
        let (accepted, start) = state.withLock { s -> (Bool, Bool) in
            guard !s.stopped else { return (false, false) }
            request(&s)
            defer { s.running = true }
            return (true, !s.running)
        }
        if start { Task { await runWhileDue() } }
        return accepted
    }

    /// Stops running and sweeping (the driver closed); waiters are released.
    func stop() {
        sweeping.withLock { $0?.cancel() }
        let released = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.stopped = true
            if s.running { return [] }  // the loop releases them
            defer { s.waiting = [] }
            return s.waiting
        }
        released.forEach { $0.resume() }
    }

    private func runWhileDue() async {
        while let waiters = nextRun() {
            var failed = false
            do {
                try await runWithinLimit()
            } catch {
                failed = true
                logger.debug("event sequencing failed, retrying: \(String(reflecting: error))")
            }
            waiters.forEach { $0.resume() }
            if failed {
                try? await Task.sleep(for: Self.retryDelay)
                state.withLock { $0.requested = true }
            }
        }
    }

    /// Runs `run`, throwing ``DatabaseUnavailable`` if it has not ended within `runLimit` (it is
    /// cancelled, and left to end by itself).
    private func runWithinLimit() async throws {
        let (run, limit) = (self.run, runLimit)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ended = OnceContinuation(continuation)
            let timer = Task { try await Task.sleep(for: limit) }
            let work = Task {
                let result: Result<Void, any Error>
                do { try await run(); result = .success(()) } catch { result = .failure(error) }
                timer.cancel()
                ended.resume(with: result)
            }
            Task {
                guard (try? await timer.value) != nil, ended.resume(with: .failure(DatabaseUnavailable())) else { return }
                work.cancel()
            }
        }
    }

    /// The waiters of the next run, or `nil` when none is due (running stops; a stopped
    /// sequencer's waiters are released).
    private func nextRun() -> [CheckedContinuation<Void, Never>]? {
        let (waiters, due) = state.withLock { s -> ([CheckedContinuation<Void, Never>], Bool) in
            let due = !s.stopped && (s.requested || !s.waiting.isEmpty)
            defer { s.waiting = []; s.requested = false; if !due { s.running = false } }
            return (s.waiting, due)
        }
        guard due else {
            waiters.forEach { $0.resume() }
            return nil
        }
        return waiters
    }
}
